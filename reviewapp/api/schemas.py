"""Request and response shapes of the JSON API.

A request body is read strictly: a field the schema does not name is refused
(422), never ignored, so a misspelt "txt" or a smuggled "role" cannot pass
silently; and a value of the wrong JSON type is refused rather than coerced
("5" is no candidate_id, true is no version). Unknown query parameters are
ignored, as clients and proxies add their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)


class Error(Schema):
    error: str


class Problem(Schema):
    field: str
    problem: str


class InvalidRequest(Error):
    """422: which fields are wrong and how, never what was sent."""

    problems: list[Problem]


def errors(*statuses: int) -> dict[int, type[Error]]:
    """The error answers an operation documents; every one has the shape of ``Error``.

    The common ones: 400 a body that is not JSON at all, or a value the workflow
    refuses; 401 missing or wrong credentials; 413 a body too large to read and
    415 one that is not application/json (both from JsonBodyOnlyMiddleware);
    422 a request that does not match the schema; 503 (always listed) the database
    out of reach.
    """
    # Every operation reads the database, so every one may answer 503 while it is out
    # of reach (reviewapp/api/app.py).
    return {status: InvalidRequest if status == 422 else Error for status in (*statuses, 503)}


class ConversationIn(StrictSchema):
    locale: str = Field(
        "en", min_length=2, max_length=10, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$"
    )
    # The service (team, site) whose clinicians answer; the default one if left out.
    service: str | None = Field(None, min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")


class ConversationCreated(Schema):
    id: UUID
    token: str


class MessageIn(StrictSchema):
    text: str = Field(min_length=1)


class MessageOut(Schema):
    id: int
    role: Literal["patient", "clinician"]
    text: str
    created_at: datetime
    # True on a clinician's reply that started as a model's draft: clients
    # must show the patient an AI-assistance disclosure on it.
    ai_assisted: bool = False

    @staticmethod
    def resolve_ai_assisted(message) -> bool:
        decision = getattr(message, "decision", None)
        return bool(decision and decision.ai_drafted)


class CrisisResource(Schema):
    name: str
    contact: str


class CrisisSupportOut(Schema):
    """Shown to the patient at once while their conversation is in crisis: fixed,
    clinician-approved text in its language and the locale's resources."""

    text: str
    resources: list[CrisisResource]
    # True only once an alert channel (e-mail, webhook) really delivered.
    clinician_alerted: bool
    alerted_text: str


class MessageCreated(MessageOut):
    crisis_support: CrisisSupportOut | None = None


class MessageList(Schema):
    messages: list[MessageOut]
    awaiting_reply: bool
    crisis_support: CrisisSupportOut | None = None


class QueueItem(Schema):
    """A conversation with open requests. ``id``, ``status``, ``created_at``,
    ``claimed_by`` and ``version`` are those of the request to work (its newest);
    ``risk_level`` is the highest and ``waiting_since`` the oldest of its open ones."""

    id: int
    status: str
    risk_level: str
    conversation: UUID
    open_requests: int = Field(description="The conversation's open requests (usually 1).")
    created_at: datetime
    waiting_since: datetime
    claimed_by: str | None = Field(description="Who holds the request now (a live lease).")
    version: int


class Queue(Schema):
    items: list[QueueItem]


class CandidateOut(Schema):
    id: int
    text: str
    flags: list


class DraftOut(Schema):
    id: int
    status: str
    risk_level: str
    version: int
    conversation: UUID
    claimed_by: str | None
    claim_expires_at: datetime | None
    failure_reason: str
    candidates: list[CandidateOut]
    messages: list[MessageOut]
    # The patient messages (ids in ``messages``) the reply answers: every one since
    # the last released reply.
    answers: list[int] = []


class ClaimOut(Schema):
    id: int
    status: str
    claimed_by: str
    claim_expires_at: datetime
    version: int


class DecisionIn(StrictSchema):
    action: Literal["approve", "edit", "reject", "write"]
    candidate_id: int | None = None
    text: str | None = None
    reasons: list[str] = []
    note: str = Field("", max_length=2000)
    # Optional 1-5 scores on the site's rubric items, e.g. {"empathy": 4}.
    rubric: dict[str, int] = {}
    # The reviewer's verdict on the risk level of the messages answered; omitted,
    # it confirms the level as screened. A higher level takes effect at once.
    risk_level: Literal["none", "elevated", "crisis"] | None = None
    # The version the client saw; a newer one on the server means a conflict.
    version: int | None = None


class DecisionOut(Schema):
    id: int
    decision_id: int
    action: str
    status: str
