-- What the application's PostgreSQL role may do: read and write rows, and nothing more.
-- It owns no table and is no superuser, so it cannot alter a table, switch the audit
-- log's append-only trigger off, or TRUNCATE; on the audit log it may only SELECT and
-- INSERT. Migrations run as the owner (the compose stack's `migrate` service).
--
-- Run as the owner of the tables (who runs the migrations), in the application's database:
--   psql -v ON_ERROR_STOP=1 -v app_role=countersign_app -f app-grants.sql
-- The compose stack runs it once, when the database is first created
-- (initdb/10-app-role.sh); an existing deployment runs it by hand (docs/security.md).

GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
-- Tables and sequences the owner's later migrations create, too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";

-- The audit log: read and append only. The function comes with the migration that keys
-- the chain, which applies it to the table when it is created after this script.
DO $$
BEGIN
    IF to_regprocedure('reviewapp_audit_read_append_only()') IS NOT NULL THEN
        PERFORM reviewapp_audit_read_append_only();
    END IF;
END
$$;
