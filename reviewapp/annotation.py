"""Annotation mode: imported prompts drafted like patient messages, reviewed by K annotators.

Nothing here is ever patient-facing: each prompt lives in an annotation
conversation whose token nobody holds, and an annotation releases nothing.
Annotators work independently; none sees another's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from reviewapp import roles
from reviewapp.annotation_import import ImportRow
from reviewapp.audit import audit_record
from reviewapp.calibration import mix_in_gold
from reviewapp.decision_input import (
    clean_text,
    verdict_extras,
    verdict_text,
)
from reviewapp.errors import Conflict, InvalidInput
from reviewapp.models import (
    Annotation,
    AnnotationBatch,
    AnnotationItem,
    Conversation,
    Decision,
    DraftRequest,
    Message,
    ModelProfile,
)
from reviewapp.tokens import hash_secret, new_secret
from worker.dispatch import enqueue_generation

Action = Decision.Action
MAX_ANNOTATORS_PER_ITEM = 10


def require(user, perm: str) -> None:
    if not roles.user_can(user, perm):
        raise PermissionDenied(_("You do not have access to annotation batches."))


def annotation_batch_import(
    *,
    name: str,
    profile: ModelProfile,
    annotators_per_item: int,
    rows: list[ImportRow],
    user,
    source_name: str = "",
    request=None,
) -> AnnotationBatch:
    """Store a batch, one hidden conversation per prompt, and enqueue its drafting."""
    require(user, roles.MANAGE_ANNOTATION)
    name = clean_text(name, what=_("Batch name"))[:200]
    if not 1 <= annotators_per_item <= MAX_ANNOTATORS_PER_ITEM:
        raise InvalidInput(
            _("Annotators per item must be between 1 and %(n)s.") % {"n": MAX_ANNOTATORS_PER_ITEM}
        )
    with transaction.atomic():
        batch = AnnotationBatch.objects.create(
            name=name,
            profile=profile,
            annotators_per_item=annotators_per_item,
            source_name=source_name[:200],
            created_by=user,
        )
        draft_ids = [
            _item_create(batch=batch, position=position, row=row).draft_request_id
            for position, row in enumerate(
                mix_in_gold(rows, is_gold=lambda row: row.gold is not None), start=1
            )
        ]
        audit_record(
            action="annotation.import", actor=user, obj=batch, request=request, items=len(rows)
        )
        queue = profile.queue
        transaction.on_commit(
            lambda: [enqueue_generation(pk, queue, annotation=True) for pk in draft_ids]
        )
    return batch


def _item_create(*, batch: AnnotationBatch, position: int, row: ImportRow) -> AnnotationItem:
    conversation = Conversation.objects.create(
        kind=Conversation.Kind.ANNOTATION,
        pseudonym=f"{batch.pk}-{position}"[:40],
        locale=batch.profile.language,
        # A token nobody is given: the conversation has no patient.
        token_hash=hash_secret(new_secret()),
    )
    role = {"user": Message.Role.PATIENT, "assistant": Message.Role.IMPORTED}
    Message.objects.bulk_create(
        Message(conversation=conversation, role=role[turn["role"]], text=turn["content"])
        for turn in row.history
    )
    prompt = Message.objects.create(
        conversation=conversation, role=Message.Role.PATIENT, text=row.prompt
    )
    draft = DraftRequest.objects.create(
        message=prompt,
        profile=batch.profile,
        purpose=DraftRequest.Purpose.ANNOTATION,
        waiting_since=prompt.created_at,
    )
    return AnnotationItem.objects.create(
        batch=batch,
        position=position,
        external_id=row.external_id,
        draft_request=draft,
        gold=row.gold,
    )


def items_open_to(user, batch: AnnotationBatch) -> QuerySet:
    """Items with candidates, still short of K verdicts, that this annotator has not done."""
    return (
        batch.items.filter(draft_request__status=DraftRequest.Status.READY)
        .annotate(verdicts=Count("annotations"))
        .filter(verdicts__lt=batch.annotators_per_item)
        .exclude(annotations__annotator=user)
        .order_by("position")
    )


def annotation_record(
    *,
    item_id: int,
    user,
    action: str,
    candidate_id: int | None = None,
    text: str | None = None,
    reasons: list[str] | None = None,
    note: str = "",
    rubric: dict | None = None,
    request=None,
) -> Annotation:
    require(user, roles.ANNOTATE)
    reasons, note, scores = verdict_extras(action=action, reasons=reasons, note=note, rubric=rubric)
    try:
        with transaction.atomic():
            item = (
                AnnotationItem.objects.select_related("batch", "draft_request")
                .select_for_update(of=("self",))
                .get(pk=item_id)
            )
            if item.draft_request.status != DraftRequest.Status.READY:
                raise Conflict(_("This item has no candidates yet."))
            if item.annotations.filter(annotator=user).exists():
                raise Conflict(_("You have already annotated this item."))
            if item.annotations.count() >= item.batch.annotators_per_item:
                raise Conflict(_("This item already has all its annotations."))
            final_text, candidate = verdict_text(
                action=action,
                candidates=item.draft_request.candidates,
                candidate_id=candidate_id,
                text=text,
            )
            annotation = Annotation.objects.create(
                item=item,
                annotator=user,
                action=action,
                candidate=candidate,
                final_text=final_text,
                reasons=reasons,
                note=note,
                rubric_scores=scores,
            )
            audit_record(
                action=f"annotation.{action}",
                actor=user,
                obj=annotation,
                request=request,
                item=item.pk,
                reasons=reasons,
                rubric=scores,
            )
    except IntegrityError:
        raise Conflict(_("You have already annotated this item.")) from None
    return annotation


@dataclass(frozen=True)
class BatchProgress:
    batch: AnnotationBatch
    items: int
    drafted: int
    complete: int
    verdicts: int
    per_annotator: list[tuple[str, int]]

    @property
    def needed(self) -> int:
        return self.items * self.batch.annotators_per_item

    @property
    def percent(self) -> int:
        return round(100 * self.verdicts / self.needed) if self.needed else 0


def batch_progress(batch: AnnotationBatch) -> BatchProgress:
    k = batch.annotators_per_item
    # A batch is at most ANNOTATION_MAX_ITEMS rows: counted here, not in SQL,
    # because "items with K verdicts" is an aggregate over an aggregate.
    items = list(
        batch.items.annotate(verdicts=Count("annotations")).values_list(
            "draft_request__status", "verdicts"
        )
    )
    per_annotator = (
        Annotation.objects.filter(item__batch=batch)
        .values_list("annotator__username")
        .annotate(done=Count("pk"))
        .order_by("annotator__username")
    )
    return BatchProgress(
        batch=batch,
        items=len(items),
        drafted=sum(status == DraftRequest.Status.READY for status, _ in items),
        complete=sum(verdicts >= k for _, verdicts in items),
        verdicts=sum(verdicts for _, verdicts in items),
        per_annotator=list(per_annotator),
    )


# Items whose candidates are still to come, and items whose drafting failed: shown on the
# batch pages and the supervisor's overview, so a batch no worker drafts is never silent.
DRAFTING_WAITING = (DraftRequest.Status.QUEUED, DraftRequest.Status.GENERATING)


def batch_drafting_counts(batch_ids) -> dict[int, dict[str, int]]:
    """Per batch: items still waiting for their candidates, and items whose drafting failed."""
    counts = {batch_id: {"waiting": 0, "failed": 0} for batch_id in batch_ids}
    rows = (
        AnnotationItem.objects.filter(batch_id__in=batch_ids)
        .values_list("batch_id", "draft_request__status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for batch_id, status, n in rows:
        if status in DRAFTING_WAITING:
            counts[batch_id]["waiting"] += n
        elif status == DraftRequest.Status.FAILED:
            counts[batch_id]["failed"] += n
    return counts


def drafting_totals() -> dict[str, int]:
    """Every batch's items waiting to be drafted, and failed, together (one query)."""
    waiting = Count("pk", filter=Q(draft_request__status__in=DRAFTING_WAITING))
    failed = Count("pk", filter=Q(draft_request__status=DraftRequest.Status.FAILED))
    return AnnotationItem.objects.aggregate(waiting=waiting, failed=failed)
