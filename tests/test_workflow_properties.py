"""A stateful property test over the review workflow.

Hypothesis drives random sequences of patient messages, drafting, claims,
decisions (by reviewers, by a user without permission, from stale pages) and
attempts to release tampered text. After every step: no patient-visible reply
exists without a matching approval, and no request has more than one decision.
"""

from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
)

from reviewapp import workflow
from reviewapp.models import Decision, DraftRequest, Message, sha256_text
from tests.factories import candidate

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=0, max_size=40
)


class ReviewWorkflow(RuleBasedStateMachine):
    requests = Bundle("requests")

    def __init__(self, users):
        super().__init__()
        self.users = users
        self.conversation, _ = workflow.conversation_start()

    @rule(target=requests, text=TEXT)
    def patient_writes(self, text):
        try:
            message = workflow.message_receive(conversation=self.conversation, text=text)
        except workflow.InvalidInput:
            assert not text.strip()
            return None
        return message.draft_requests.get().pk

    @rule(request_id=requests, texts=st.lists(TEXT.filter(str.strip), min_size=1, max_size=3))
    def worker_drafts(self, request_id, texts):
        if request_id is None:
            return
        if workflow.generation_start(request_id=request_id, task_id="t") is not None:
            workflow.candidates_store(
                request_id=request_id, candidates=[candidate(t) for t in texts]
            )

    @rule(request_id=requests, who=st.sampled_from(["alice", "bob", "mallory"]))
    def claim(self, request_id, who):
        if request_id is None:
            return
        with contextlib.suppress(workflow.Conflict, PermissionDenied):
            workflow.draft_request_claim(request_id=request_id, user=self.users[who])

    @rule(
        request_id=requests,
        who=st.sampled_from(["alice", "bob", "mallory"]),
        action=st.sampled_from(["approve", "edit", "reject", "write", "bogus"]),
        pick=st.integers(0, 3),
        text=TEXT,
        reasons=st.lists(st.sampled_from([*workflow.REJECTION_REASONS, "made-up"]), max_size=2),
        stale=st.booleans(),
    )
    def decide(self, request_id, who, action, pick, text, reasons, stale):
        if request_id is None:
            return
        draft = DraftRequest.objects.get(pk=request_id)
        ids = list(draft.candidates.values_list("pk", flat=True))
        with contextlib.suppress(workflow.WorkflowError, PermissionDenied):
            workflow.draft_request_decide(
                request_id=request_id,
                user=self.users[who],
                action=action,
                candidate_id=ids[pick] if pick < len(ids) else None,
                text=text,
                reasons=reasons,
                expected_version=draft.version - 1 if stale else draft.version,
            )

    @rule(
        request_id=requests,
        text=TEXT.filter(str.strip),
        who=st.sampled_from(["alice", "mallory"]),
        tampered=st.booleans(),
    )
    def release_a_decision_made_outside_decide(self, request_id, text, who, tampered):
        """A decision whose text was changed after hashing, or made by someone without
        review permission, is refused by release and never reaches the patient."""
        if request_id is None or (who == "alice" and not tampered):
            return
        draft = DraftRequest.objects.get(pk=request_id)
        if draft.status not in DraftRequest.OPEN_STATUSES:
            return
        with transaction.atomic():
            decision = Decision.objects.create(
                draft_request=draft,
                action="write",
                final_text=text + " (changed after approval)" if tampered else text,
                final_text_sha256=sha256_text(text),
                reviewer=self.users[who],
            )
            with pytest.raises((workflow.ReleaseRefused, PermissionDenied)):
                workflow.reply_release(decision=decision)
            transaction.set_rollback(True)  # leave no stray decision behind

    @invariant()
    def every_visible_reply_was_approved_as_is(self):
        replies = Message.objects.patient_visible().filter(
            conversation=self.conversation, role="clinician"
        )
        for reply in replies.select_related("decision__draft_request", "decision__reviewer"):
            decision = reply.decision
            assert decision.action in Decision.RELEASING_ACTIONS
            assert sha256_text(reply.text) == decision.final_text_sha256
            assert decision.reviewer.has_perm(workflow.REVIEW_PERMISSION)
            assert decision.draft_request.status == DraftRequest.Status.RELEASED

    @invariant()
    def at_most_one_decision_and_one_open_request_per_message(self):
        for message in Message.objects.filter(conversation=self.conversation, role="patient"):
            drafts = list(message.draft_requests.all())
            assert sum(d.status in DraftRequest.OPEN_STATUSES for d in drafts) <= 1
            assert len([d for d in drafts if d.status == "released"]) <= 1
            for draft in drafts:
                assert Decision.objects.filter(draft_request=draft).count() <= 1

    @invariant()
    def released_and_rejected_requests_carry_their_decision(self):
        for draft in DraftRequest.objects.filter(
            message__conversation=self.conversation, status__in=["released", "rejected"]
        ):
            assert Decision.objects.filter(draft_request=draft).exists()


@pytest.mark.django_db
def test_it_never_releases_unapproved_text(tiny_profile, alice, bob, mallory):
    users = {"alice": alice, "bob": bob, "mallory": mallory}

    class Machine(ReviewWorkflow):
        def __init__(self):
            super().__init__(users)

    Machine.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Machine.TestCase().runTest()
