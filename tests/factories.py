"""Building conversations and requests through the real workflow, for tests."""

from __future__ import annotations

from reviewapp import workflow
from reviewapp.models import DraftRequest, ModelProfile
from worker.generated import GeneratedCandidate


def candidate(text: str) -> GeneratedCandidate:
    return GeneratedCandidate(
        text=text,
        seed=7,
        prompt_tokens=10,
        completion_tokens=len(text.split()),
        latency_ms=5,
        loading_mode="fp32",
    )


def patient_message(text: str = "I feel low today.", *, conversation=None):
    if conversation is None:
        conversation, _ = workflow.conversation_start(locale="en")
    return workflow.message_receive(conversation=conversation, text=text)


def ready_request(
    texts=("Candidate one.", "Candidate two.", "Candidate three."),
    *,
    message=None,
    task_id: str = "task-1",
) -> DraftRequest:
    """A request with a stored candidate set, as the worker would leave it."""
    if message is None:
        message = patient_message()
    draft = message.draft_requests.get(status=DraftRequest.Status.QUEUED)
    workflow.generation_start(request_id=draft.pk, task_id=task_id)
    workflow.candidates_store(request_id=draft.pk, candidates=[candidate(t) for t in texts])
    draft.refresh_from_db()
    return draft


def default_profile_ensure() -> None:
    """A default profile for new requests (no worker drafts here). Migrations seed one,
    but a transactional test that ran before may have flushed it."""
    if not ModelProfile.objects.filter(is_default=True).exists():
        ModelProfile.objects.create(
            name="test-default", label="test default", base_model="unused", is_default=True
        )
