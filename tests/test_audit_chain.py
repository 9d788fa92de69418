"""The audit log is a hash chain PostgreSQL will not let anyone rewrite."""

from __future__ import annotations

import json
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from reviewapp.audit import GENESIS, audit_record, event_hash
from reviewapp.models import AuditEvent

pytestmark = pytest.mark.django_db


def _verify() -> dict:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return json.loads(out.getvalue())


def test_each_event_links_to_the_one_before(alice):
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
    assert stored.hash == event_hash(first.hash, stored)
    assert _verify()["chain"] == "intact"


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
    # Only the table's owner can switch the trigger off, as an attacker with the
    # database password could: the chain still tells.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for none
        cursor.execute("ALTER TABLE reviewapp_auditevent DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE reviewapp_auditevent SET details = '{\"n\": 1}' WHERE id = %s", [target.pk]
        )
        cursor.execute("ALTER TABLE reviewapp_auditevent ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match=f"broken at event {target.pk}: its content"):
        _verify()


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
    assert _verify() == {"events": len(hashes), "chain": "intact"}
