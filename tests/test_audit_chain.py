"""The audit log is a keyed hash chain, anchored out of the database, that the
application's own PostgreSQL role cannot rewrite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from reviewapp.audit import (
    GENESIS,
    KEYED,
    UNKEYED,
    audit_chain_breaks,
    audit_record,
    chain_seal,
    event_hash,
    event_mac,
)
from reviewapp.checks import audit_chain_key_derived, audit_chain_key_set
from reviewapp.models import AuditEvent
from tests.processes import REPO
from tests.test_full_loop import wait_for
from worker.tasks import anchor_audit_chain

pytestmark = pytest.mark.django_db
GRANTS_SQL = Path(__file__).resolve().parent.parent / "deploy" / "postgres" / "app-grants.sql"


@pytest.fixture(autouse=True)
def _own_anchor_file(settings, tmp_path):
    """Each test's anchors in its own file, never the demo's."""
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchors.jsonl")
    settings.AUDIT_ANCHOR_WEBHOOK_URL = ""


def _verify() -> dict:
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def _anchor() -> dict:
    out = StringIO()
    call_command("anchor_audit", stdout=out)
    return json.loads(out.getvalue())


def _anchors(settings) -> list[dict]:
    return [json.loads(line) for line in Path(settings.AUDIT_ANCHOR_FILE).read_text().splitlines()]


def _as_owner(*statements: tuple[str, list]) -> None:
    """What the table's owner (or a superuser) can do, as an attacker holding its password
    could: the append-only trigger off, the statements, the trigger on again."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for none
        cursor.execute("ALTER TABLE reviewapp_auditevent DISABLE TRIGGER USER")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("ALTER TABLE reviewapp_auditevent ENABLE TRIGGER USER")


def _relink(from_id: int, make_hash, *, through: int | None = None) -> None:
    """Recompute the links from ``from_id`` (through ``through``, or to the end) with
    ``make_hash(prev, event)``, and store them as the owner."""
    before = AuditEvent.objects.filter(id__lt=from_id).order_by("-id").first()
    prev = before.hash if before else GENESIS
    events = AuditEvent.objects.filter(id__gte=from_id).order_by("id")
    if through is not None:
        events = events.filter(id__lte=through)
    rewrites = []
    for event in events:
        event.prev_hash = prev
        event.hash = make_hash(prev, event)
        rewrites.append(
            (
                "UPDATE reviewapp_auditevent SET prev_hash = %s, hash = %s, chain_version = %s"
                " WHERE id = %s",
                [event.prev_hash, event.hash, event.chain_version, event.pk],
            )
        )
        prev = event.hash
    _as_owner(*rewrites)


def _empty_log() -> None:
    # The owner's TRUNCATE (rolled back with the test): a log that starts here.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reviewapp_auditevent")


def test_each_event_links_to_the_one_before_with_the_key(alice, settings):
    first = audit_record(action="test.one", actor=alice, n=1)
    second = audit_record(action="test.two", details_are="kept", n=2.5)
    assert first.prev_hash == (
        AuditEvent.objects.exclude(pk__gte=first.pk)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
        or GENESIS
    )
    assert second.prev_hash == first.hash
    stored = AuditEvent.objects.get(pk=second.pk)
    assert stored.chain_version == KEYED
    assert stored.hash == event_mac(first.hash, stored) != event_hash(first.hash, stored)
    assert _verify()["chain"] == "intact"
    # Another key (the database's content alone) does not verify it.
    settings.AUDIT_CHAIN_KEY = "some-other-key-" + "x" * 40
    assert stored.hash != event_mac(first.hash, stored)
    with pytest.raises(CommandError, match="does not match its MAC"):
        _verify()


def test_postgresql_refuses_to_change_or_remove_an_event(alice):
    event = audit_record(action="test.kept", actor=alice)
    for change in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.kept"


def test_verify_audit_names_the_first_broken_link(alice):
    audit_record(action="test.a")
    target = audit_record(action="test.b", actor=alice)
    audit_record(action="test.c")
    _as_owner(("UPDATE reviewapp_auditevent SET details = '{\"n\": 1}' WHERE id = %s", [target.pk]))
    with pytest.raises(CommandError, match=f"broken at event {target.pk}: its content"):
        _verify()


def test_the_owner_rewriting_the_chain_the_unkeyed_way_is_found(alice):
    """The probe's attack: the trigger off, an event edited, every hash after it
    recomputed as the chain used to be made. Without the key it shows."""
    audit_record(action="test.a")
    target = audit_record(action="export.create", actor=alice, rows=10)
    audit_record(action="test.c")
    _as_owner(
        ("UPDATE reviewapp_auditevent SET details = '{\"rows\": 0}' WHERE id = %s", [target.pk])
    )
    _relink(target.pk, event_hash)
    with pytest.raises(CommandError, match=f"broken at event {target.pk}: its content"):
        _verify()

    # Marking the whole log unkeyed (as if written before the key) does not pass either.
    _as_owner(("UPDATE reviewapp_auditevent SET chain_version = %s", [UNKEYED]))
    _relink(AuditEvent.objects.order_by("id").first().pk, event_hash)
    breaks = list(audit_chain_breaks())
    assert breaks and "ends in an unkeyed event" in breaks[-1][1]
    with pytest.raises(CommandError, match="unkeyed"):
        _verify()


def test_events_written_before_the_key_stay_verifiable_and_sealed(alice):
    """An upgraded log: the unkeyed events verify as they were made, the migration's keyed
    seal follows them, and rewriting them the unkeyed way breaks the seal."""
    _empty_log()
    prev = GENESIS
    for n in range(3):
        legacy = AuditEvent(
            action="test.legacy", details={"n": n}, chain_version=UNKEYED, prev_hash=prev
        )
        legacy.hash = prev = event_hash(prev, legacy)
        legacy.save(force_insert=True)
    assert list(audit_chain_breaks())[-1][1].startswith("the chain ends in an unkeyed event")
    seal = chain_seal(AuditEvent)
    assert seal.action == "audit.chain_keyed" and seal.details == {"unkeyed_events": 3}
    audit_record(action="test.after", actor=alice)
    assert _verify()["chain"] == "intact"

    first = AuditEvent.objects.order_by("id").first()
    _as_owner(("UPDATE reviewapp_auditevent SET details = '{\"n\": 9}' WHERE id = %s", [first.pk]))
    _relink(first.pk, event_hash, through=seal.pk - 1)  # the unkeyed ones, as they were made
    with pytest.raises(CommandError, match=f"broken at event {seal.pk}: its previous-hash"):
        _verify()


def test_an_intact_chain_with_anchors_verifies(alice, settings):
    audit_record(action="test.a")
    first = _anchor()
    audit_record(action="test.b", actor=alice)
    audit_record(action="test.c")
    second = _anchor()
    audit_record(action="test.d")  # written since the last anchor
    assert _anchors(settings) == [
        {key: anchor[key] for key in ("at", "count", "head_id", "head_mac")}
        for anchor in (first, second)
    ]
    head = AuditEvent.objects.order_by("-id").first()
    assert second["count"] == first["count"] + 2 == AuditEvent.objects.count() - 1
    assert second["head_id"] == head.pk - 1
    report = _verify()
    assert report["chain"] == "intact" and report["anchors"] == 2
    assert report["unanchored_events"] == 1


def test_events_removed_from_the_end_after_an_anchor_are_found(alice, settings):
    """The chain alone cannot tell a shortened log; the anchor can."""
    for n in range(5):
        audit_record(action="test.kept", n=n)
    anchored = _anchor()
    last_two = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:2])
    _as_owner(("DELETE FROM reviewapp_auditevent WHERE id = ANY(%s)", [last_two]))
    assert list(audit_chain_breaks()) == []  # still a chain
    with pytest.raises(CommandError, match=f"head event {anchored['head_id']} is gone"):
        _verify()


def test_removing_the_anchor_file_with_the_end_of_the_log_is_found(alice, settings):
    """Whoever cuts the log's end and removes the anchor file leaves events in no anchor
    for longer than beat would: that is reported, not "intact, 0 anchors"."""
    settings.AUDIT_ANCHOR_INTERVAL_SECONDS = 300
    for n in range(4):
        audit_record(action="test.kept", n=n)
    _anchor()
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    _as_owner(("DELETE FROM reviewapp_auditevent WHERE id = %s", [last]))
    Path(settings.AUDIT_ANCHOR_FILE).unlink()
    assert _verify()["anchors"] == 0  # within three intervals: beat has not missed one yet
    sixteen_minutes_on = timezone.now() + timedelta(minutes=16)
    with (
        mock.patch("django.utils.timezone.now", return_value=sixteen_minutes_on),
        pytest.raises(CommandError, match="in no anchor .* missing or was replaced"),
    ):
        _verify()
    _anchor()  # anchoring again (after a restore, say) covers them
    assert _verify()["anchors"] == 1


def test_a_key_holder_rewriting_anchored_events_is_found(alice, settings):
    """Whoever holds the key and the owner's password can re-link a rewritten chain;
    what was anchored before still shows."""
    audit_record(action="test.a")
    target = audit_record(action="decision.approve", actor=alice)
    audit_record(action="test.c")
    anchored = _anchor()
    _as_owner(
        ("UPDATE reviewapp_auditevent SET action = 'decision.reject' WHERE id = %s", [target.pk])
    )
    _relink(target.pk, event_mac)
    assert list(audit_chain_breaks()) == []
    with pytest.raises(
        CommandError, match=f"its head event {anchored['head_id']} has been changed"
    ):
        _verify()


def test_beat_anchors_the_chain_and_sends_it_to_the_webhook(alice, settings, webhook):
    received, status = webhook
    settings.AUDIT_ANCHOR_WEBHOOK_URL = settings.COUNTERSIGN["CRISIS_WEBHOOK_URL"]
    schedule = settings.CELERY_BEAT_SCHEDULE["anchor-audit-chain"]
    assert schedule["task"] == anchor_audit_chain.name
    assert schedule["schedule"] == settings.AUDIT_ANCHOR_INTERVAL_SECONDS
    audit_record(action="test.a", actor=alice)
    sent = anchor_audit_chain()
    assert received == [sent] == _anchors(settings)
    status["code"] = 500  # the webhook down: the file still gets the anchor
    anchor_audit_chain()
    assert len(_anchors(settings)) == 2 and len(received) == 2
    assert _verify()["anchors"] == 2


def test_the_maintenance_worker_runs_the_anchor_task(settings, celery_worker):
    """What beat schedules reaches a worker on the maintenance queue and writes the anchor."""
    audit_record(action="test.a")
    anchor_audit_chain.delay()
    path = Path(settings.AUDIT_ANCHOR_FILE)
    wait_for(lambda: path.exists() and path.read_text().strip(), timeout=30, what="an anchor")
    [anchor] = _anchors(settings)
    assert anchor["count"] == AuditEvent.objects.count()
    assert anchor["head_mac"] == AuditEvent.objects.order_by("-id").first().hash


def test_an_edited_anchor_file_is_reported(alice, settings):
    audit_record(action="test.a")
    _anchor()
    audit_record(action="test.b")
    _anchor()
    path = Path(settings.AUDIT_ANCHOR_FILE)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[1], lines[0], "not json"]) + "\n")
    err = StringIO()
    with pytest.raises(CommandError, match="more above"):
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert "line 2 counts fewer events than the one before" in err.getvalue()
    assert "line 3 is not an anchor" in err.getvalue()


def test_production_refuses_to_start_without_a_chain_key(settings):
    settings.AUDIT_CHAIN_KEY = ""
    settings.PRODUCTION = True
    assert [issue.id for issue in audit_chain_key_set(None)] == ["countersign.E004"]
    # The demo: a key derived from SECRET_KEY, said only by `check --deploy`.
    settings.PRODUCTION = False
    assert audit_chain_key_set(None) == []
    assert [issue.id for issue in audit_chain_key_derived(None)] == ["countersign.W003"]
    settings.AUDIT_CHAIN_KEY = "k" * 64
    assert audit_chain_key_set(None) == audit_chain_key_derived(None) == []


def test_a_production_web_server_without_a_chain_key_does_not_start():
    """gunicorn runs no system checks: the WSGI module itself refuses (E004's rule)."""
    production = {
        **{k: v for k, v in os.environ.items() if k != "AUDIT_CHAIN_KEY"},
        "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "desk.example.org",
        "SECRET_KEY": "a-production-secret-key-" + "s" * 40,
    }

    def load(env: dict) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "import reviewapp.wsgi"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    refused = load(production)
    assert refused.returncode != 0 and "AUDIT_CHAIN_KEY is not set" in refused.stderr
    assert load({**production, "AUDIT_CHAIN_KEY": "k" * 64}).returncode == 0


@pytest.mark.django_db(transaction=True)
def test_the_applications_role_can_only_read_and_append_the_audit_log():
    """deploy/postgres/app-grants.sql, applied to a role that neither owns the table nor is a
    superuser, as the compose stack's app connects: no UPDATE, DELETE, TRUNCATE or trigger
    switched off; rows can be read and appended, and other tables written."""
    event = audit_record(action="test.kept")
    database = connection.settings_dict
    role = f"{database['NAME']}_app_probe"  # roles are the cluster's: one name per database
    grants = GRANTS_SQL.read_text().replace(':"app_role"', f'"{role}"')
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER')
        cursor.execute(grants)
    try:
        with psycopg.connect(
            host=database["HOST"],
            port=database["PORT"] or 5432,
            dbname=database["NAME"],
            user=role,
            autocommit=True,
        ) as app:
            refused = []
            for sql in (
                "UPDATE reviewapp_auditevent SET action = 'test.rewritten'",
                "DELETE FROM reviewapp_auditevent",
                "TRUNCATE reviewapp_auditevent",
                "ALTER TABLE reviewapp_auditevent DISABLE TRIGGER USER",
                "ALTER TABLE reviewapp_auditevent DISABLE TRIGGER ALL",
                "DROP TRIGGER reviewapp_auditevent_append_only ON reviewapp_auditevent",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(sql)
                refused.append(sql)
            assert len(refused) == 6
            rows = app.execute("SELECT id, hash FROM reviewapp_auditevent").fetchall()
            assert rows == [(event.pk, event.hash)]
            app.execute(
                "INSERT INTO reviewapp_auditevent (at, actor_kind, action, object_type,"
                " object_id, details, prev_hash, hash, chain_version)"
                " VALUES (now(), 'system', 'test.appended', '', '', '{}', '', '', 2)"
            )
            app.execute("DELETE FROM django_session")  # the rest: read and write
            is_super = app.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert is_super.fetchone() == (False,)
        assert AuditEvent.objects.get(pk=event.pk).action == "test.kept"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    errors = []

    def write(n):
        try:
            for i in range(15):
                audit_record(action="test.concurrent", writer=n, i=i)
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 90
    hashes = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash"))
    assert len({prev for prev, _ in hashes}) == len(hashes)  # no fork: each link used once
    report = _verify()
    assert report["events"] == len(hashes) and report["chain"] == "intact"
