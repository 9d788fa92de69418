"""The audit chain becomes keyed (HMAC-SHA256 under AUDIT_CHAIN_KEY), and only the
audit table's owner may change it.

Existing events keep their unkeyed links (``chain_version`` 1) and stay verifiable;
one keyed event is written after them, so that rewriting them, or the whole log, the
unkeyed way breaks a link nobody without the key can mend (reviewapp/audit.py).
"""

from django.db import migrations, models

# Every role but the table's owner may at most read and append: whatever else was
# granted (by default privileges, or GRANT ... ON ALL TABLES) is taken back. A function,
# so that deploy/postgres/app-grants.sql applies the same rule after its own grants.
READ_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION reviewapp_audit_read_append_only() RETURNS void AS $$
DECLARE
    grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                             ELSE quote_ident(pg_get_userbyid(acl.grantee)) END
        FROM pg_class AS c, aclexplode(c.relacl) AS acl
        WHERE c.oid = 'reviewapp_auditevent'::regclass
          AND acl.grantee <> c.relowner
          AND acl.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES')
    LOOP
        EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES'
            || ' ON reviewapp_auditevent FROM ' || grantee;
    END LOOP;
END
$$ LANGUAGE plpgsql;
REVOKE EXECUTE ON FUNCTION reviewapp_audit_read_append_only() FROM PUBLIC;
SELECT reviewapp_audit_read_append_only();
"""
DROP_READ_APPEND_ONLY = "DROP FUNCTION IF EXISTS reviewapp_audit_read_append_only();"


def seal_unkeyed_events(apps, schema_editor):
    from reviewapp.audit import chain_seal

    chain_seal(apps.get_model("reviewapp", "AuditEvent"))


def read_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(READ_APPEND_ONLY, params=None)


def drop_read_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_READ_APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reviewapp", "0016_promotion_service"),
    ]

    operations = [
        # The events already written are unkeyed (1); new ones are keyed (2).
        migrations.AddField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.RunPython(seal_unkeyed_events, migrations.RunPython.noop),
        migrations.RunPython(read_append_only, drop_read_append_only),
    ]
