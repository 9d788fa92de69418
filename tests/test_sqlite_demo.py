"""The demo's SQLite: what PostgreSQL gives the suite must work there too.

The suite runs on PostgreSQL, so these run the demo's own settings (no
DATABASE_URL: SQLite and the filesystem broker in a temporary state folder) in a
subprocess: four threads store their candidate sets at once while another
connection holds SQLite's write lock for longer than the busy timeout; and the
queue groups a conversation's open requests with no PostgreSQL-only SQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.processes import REPO

pytestmark = pytest.mark.timeout(240)

THREADS = 4
HOLD_SECONDS = 3.0
BUSY_TIMEOUT_SECONDS = 1

SCRIPT = f"""
import json, sqlite3, threading, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection, connections

# Shorter than the lock is held below: a store that only waited would fail.
connections["default"].settings_dict["OPTIONS"]["timeout"] = {BUSY_TIMEOUT_SECONDS}
call_command("migrate", verbosity=0)
from reviewapp import workflow
from tests.factories import candidate, patient_message

requests = [patient_message(f"Message {{n}}.").draft_requests.get().pk for n in range({THREADS})]
for pk in requests:
    workflow.generation_start(request_id=pk, task_id=f"task-{{pk}}")
journal_mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
connection.close()

holding, results = threading.Event(), {{}}

def hold_write_lock():
    other = sqlite3.connect(connections["default"].settings_dict["NAME"], timeout=30)
    other.execute("BEGIN IMMEDIATE")
    holding.set()
    time.sleep({HOLD_SECONDS})
    other.rollback()
    other.close()

def store(pk):
    holding.wait()
    try:
        results[pk] = workflow.candidates_store(
            request_id=pk, candidates=[candidate(f"Reply to {{pk}}.")]
        )
    except Exception as exc:
        results[pk] = f"{{type(exc).__name__}}: {{exc}}"
    finally:
        connections.close_all()

threads = [threading.Thread(target=hold_write_lock)]
threads += [threading.Thread(target=store, args=(pk,)) for pk in requests]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
from reviewapp.models import DraftRequest
print(json.dumps({{
    "journal_mode": journal_mode,
    "results": list(results.values()),
    "ready": DraftRequest.objects.filter(pk__in=requests, status="ready").count(),
}}))
"""


QUEUE_SCRIPT = """
import json
import django
django.setup()
from datetime import timedelta
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
from reviewapp import workflow
from reviewapp.models import DraftRequest, Message
from reviewapp.queue import QueueFilters, queue_rows
from tests.factories import patient_message

flooding = patient_message("Hello.").conversation
quiet = patient_message("Hello again.").conversation
lead = DraftRequest.objects.get(message__conversation=flooding)
for minutes in (30, 20):  # two more open requests, written as rows (the workflow overtakes)
    message = Message.objects.create(conversation=flooding, role="patient", text="?")
    DraftRequest.objects.create(
        message=message, profile=lead.profile, risk_level="crisis",
        waiting_since=timezone.now() - timedelta(minutes=minutes),
    )
supervisor = User.objects.create_superuser("s", "s@example.org", "pw")
rows = queue_rows(user=supervisor, filters=QueueFilters(), now=timezone.now(), limit=50)
print(json.dumps([[r.open_count, r.risk_level, r.waited_seconds // 60] for r in rows]))
"""


def _on_the_demos_sqlite(script: str, tmp_path) -> str:
    """Run ``script`` with the demo's settings; the last line it prints."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "METRICS_REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="reviewapp.settings",
        COUNTERSIGN_STATE_DIR=str(tmp_path / "state"),
        PYTHONPATH=str(REPO),
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_it_stores_candidates_from_several_threads_while_the_write_lock_is_held(tmp_path):
    outcome = json.loads(_on_the_demos_sqlite(SCRIPT, tmp_path))
    assert outcome["journal_mode"] == "wal"
    assert outcome["results"] == [True] * THREADS
    assert outcome["ready"] == THREADS


def test_the_queue_groups_a_conversations_requests_on_sqlite(tmp_path):
    rows = json.loads(_on_the_demos_sqlite(QUEUE_SCRIPT, tmp_path))
    assert rows == [[3, "crisis", 30], [1, "none", 0]]
