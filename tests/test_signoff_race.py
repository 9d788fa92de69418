"""Second sign-off and annotation limits under concurrency, on separate PostgreSQL connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from reviewapp import annotation, workflow
from reviewapp.models import Annotation, Decision, DraftRequest, Message
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "I have the rope ready and I'm going to end my life tonight."
SAFE_REPLY = "Please call 988 now. I'm with you."


def _race(calls):
    """Run each zero-argument call in its own thread at the same moment."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("done")
        except workflow.WorkflowError as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def _awaiting_signoff(first_reviewer) -> DraftRequest:
    draft = ready_request([SAFE_REPLY], message=patient_message(CRISIS))
    workflow.draft_request_decide(
        request_id=draft.pk,
        user=first_reviewer,
        action="approve",
        candidate_id=draft.candidates.get().pk,
    )
    return DraftRequest.objects.get(pk=draft.pk)


@pytest.mark.parametrize("round_", range(3))
def test_a_sign_off_and_a_return_race_and_exactly_one_happens(
    tiny_profile, alice, bob, sam, round_
):
    draft = _awaiting_signoff(alice)
    outcomes = _race(
        [
            lambda: workflow.draft_request_sign_off(request_id=draft.pk, user=bob),
            lambda: workflow.draft_request_return(request_id=draft.pk, user=sam, note="No."),
        ]
    )
    assert sorted(o.split(":")[0] for o in outcomes) == ["Conflict", "done"]
    status = DraftRequest.objects.get(pk=draft.pk).status
    released = Message.objects.filter(role="clinician").count()
    assert (status, released) in {("released", 1), ("returned", 0)}


def test_two_second_clinicians_sign_off_once(tiny_profile, alice, bob, sam):
    draft = _awaiting_signoff(alice)
    outcomes = _race(
        [
            lambda: workflow.draft_request_sign_off(request_id=draft.pk, user=bob),
            lambda: workflow.draft_request_sign_off(request_id=draft.pk, user=sam),
        ]
    )
    assert sorted(o.split(":")[0] for o in outcomes) == ["Conflict", "done"]
    assert Message.objects.filter(role="clinician").count() == 1
    assert Decision.objects.get().signed_off_by in (bob, sam)


def test_k_annotators_racing_on_one_item_leave_k_annotations(tiny_profile, sam, ann, andy):
    from tests.test_annotation import _batch, _drafted

    batch = _drafted(_batch(sam, k=1))
    item = batch.items.get(position=1)
    outcomes = _race(
        [
            lambda user=user: annotation.annotation_record(
                item_id=item.pk, user=user, action="write", text=f"{user.username} wrote."
            )
            for user in (ann, andy)
        ]
    )
    assert sorted(o.split(":")[0] for o in outcomes) == ["Conflict", "done"]
    assert Annotation.objects.filter(item=item).count() == 1
