"""Two clinicians decide the same request at the same moment, on two PostgreSQL connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from reviewapp import workflow
from reviewapp.models import Decision, DraftRequest, Message
from tests.factories import ready_request


def _decide_concurrently(draft, users_and_actions):
    barrier = threading.Barrier(len(users_and_actions))
    outcomes: list[str] = []

    def decide(user, action):
        try:
            barrier.wait()
            workflow.draft_request_decide(request_id=draft.pk, user=user, **action)
            outcomes.append("won")
        except workflow.Conflict as exc:
            outcomes.append(f"conflict: {exc}")
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=decide, args=pair) for pair in users_and_actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_it_lets_exactly_one_of_two_racing_clinicians_decide(tiny_profile, alice, bob, round_):
    """One wins, the other gets a clear conflict, one reply reaches the patient."""
    draft = ready_request()
    first, second = draft.candidates.all()[:2]
    outcomes = _decide_concurrently(
        draft,
        [
            (alice, {"action": "approve", "candidate_id": first.pk}),
            (bob, {"action": "edit", "candidate_id": second.pk, "text": "Bob's edit."}),
        ],
    )
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "won"]
    assert "already decided" in next(o for o in outcomes if o.startswith("conflict"))
    assert Decision.objects.filter(draft_request=draft).count() == 1
    assert Message.objects.filter(role="clinician").count() == 1
    assert DraftRequest.objects.get(pk=draft.pk).status == "released"


@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_racing_claims_win(tiny_profile, alice, bob):
    draft = ready_request()
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(user):
        try:
            barrier.wait()
            workflow.draft_request_claim(request_id=draft.pk, user=user)
            outcomes.append(user.username)
        except workflow.Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (alice, bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("conflict") == 1
    winner = next(o for o in outcomes if o != "conflict")
    assert DraftRequest.objects.get(pk=draft.pk).claimed_by.username == winner
