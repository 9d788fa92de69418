"""The supervisor overview: open items, who holds what and for how long, late and crisis items."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from reviewapp import workflow
from reviewapp.models import DraftRequest
from tests.factories import patient_message

pytestmark = pytest.mark.django_db


def _open(minutes: int, risk: str = "none") -> DraftRequest:
    draft = patient_message().draft_requests.get()
    DraftRequest.objects.filter(pk=draft.pk).update(
        risk_level=risk, waiting_since=timezone.now() - timedelta(minutes=minutes)
    )
    return DraftRequest.objects.get(pk=draft.pk)


def test_it_is_for_supervisors_only(client, alice, ann, sam):
    for user in (alice, ann):
        client.force_login(user)
        assert client.get("/supervisor/").status_code == 403
    client.force_login(sam)
    assert client.get("/supervisor/").status_code == 200


def test_it_shows_holders_late_items_and_crisis_items(client, sam, alice):
    crisis = _open(2, "crisis")
    late = _open(300)
    on_time = _open(10)
    workflow.draft_request_claim(request_id=on_time.pk, user=alice)
    DraftRequest.objects.filter(pk=on_time.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=7)
    )
    client.force_login(sam)
    page = client.get("/supervisor/").content.decode()
    crisis_part = page.split('id="crisis-h"')[1].split('id="late-h"')[0]
    late_part = page.split('id="late-h"')[1].split('id="held-h"')[0]
    held_part = page.split('id="held-h"')[1]
    assert f"#{crisis.pk}<" in crisis_part and f"#{late.pk}<" not in crisis_part
    assert f"#{late.pk}<" in late_part and "60 min" in late_part
    assert f"#{on_time.pk}<" not in late_part
    assert "<td>alice</td>" in held_part and "7 min" in held_part
    assert "3 open" in page and "1 crisis" in page and "1 past target" in page
    assert "<li>Queued: 3</li>" in page and "<li>Ready for review: 0</li>" in page


def test_it_refreshes_live_as_a_fragment(client, sam):
    client.force_login(sam)
    page = client.get("/supervisor/").content.decode()
    assert 'hx-trigger="every 10s"' in page
    fragment = client.get("/supervisor/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="held-h"' in fragment


def test_it_counts_candidate_flags_over_the_last_week(client, sam):
    from reviewapp import workflow
    from tests.factories import candidate

    draft = patient_message().draft_requests.get()
    workflow.generation_start(request_id=draft.pk, task_id="t")
    flagged = replace(
        candidate("I'm always here for you."), flags=[{"filter": "unkeepable_promise"}]
    )
    workflow.candidates_store(request_id=draft.pk, candidates=[flagged, candidate("Fine.")])
    client.force_login(sam)
    page = client.get("/supervisor/").content.decode()
    row = page.split('data-check="unkeepable_promise"')[1].split("</tr>")[0]
    assert "<td>1</td>" in row and "50.0%" in row


def test_it_counts_the_same_flags_where_the_database_cannot_look_into_json(monkeypatch):
    """The demo's SQLite path counts in Python and must agree with PostgreSQL's query."""
    from django.db import connection
    from django.utils import timezone

    from reviewapp import workflow
    from reviewapp.views.supervisor import _flag_counts
    from tests.factories import candidate

    draft = patient_message().draft_requests.get()
    workflow.generation_start(request_id=draft.pk, task_id="t")
    flagged = replace(candidate("I'm always here."), flags=[{"filter": "unkeepable_promise"}])
    workflow.candidates_store(request_id=draft.pk, candidates=[flagged, candidate("Fine.")])
    since = timezone.now() - timedelta(days=1)
    in_postgres = _flag_counts(since=since)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert _flag_counts(since=since) == in_postgres
    assert {r["name"]: r["count"] for r in in_postgres}["unkeepable_promise"] == 1
