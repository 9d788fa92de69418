"""The access rules of the pages, one function each, called by every view that needs them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from reviewapp import roles, workflow
from reviewapp.decision_input import (
    REJECTION_REASONS,
    RUBRIC_LABELS,
    RUBRIC_SCORES,
    rubric_from_post,
    rubric_items,
)
from reviewapp.lib.params import optional_int


def reviewer(request: HttpRequest):
    workflow.require_reviewer(request.user)
    return request.user


def supervisor(request: HttpRequest):
    if not roles.user_can(request.user, roles.SUPERVISE):
        raise PermissionDenied(_("The overview is for supervisors."))
    return request.user


def annotator(request: HttpRequest):
    if not roles.user_can(request.user, roles.ANNOTATE):
        raise PermissionDenied(_("Annotation is for annotators."))
    return request.user


def annotation_manager(request: HttpRequest):
    if not roles.user_can(request.user, roles.MANAGE_ANNOTATION):
        raise PermissionDenied(_("Importing batches needs the annotation manager role."))
    return request.user


def curator(request: HttpRequest):
    if not roles.user_can(request.user, roles.EXPORT):
        raise PermissionDenied(_("Exports are for curators."))
    return request.user


def analyst(request: HttpRequest):
    if not roles.user_can(request.user, roles.ANALYTICS):
        raise PermissionDenied(_("Quality analytics are for supervisors and curators."))
    return request.user


def comparison_manager(request: HttpRequest):
    if not roles.user_can(request.user, roles.COMPARE):
        raise PermissionDenied(_("Comparisons and promotions are for supervisors."))
    return request.user


def verdict_fields(post) -> dict:
    """What the shared decision form submitted, for the action chosen.

    Edit and write each have their own text box, and only a rejection reads
    the reasons and note, so a field filled for another action is ignored.
    """
    action = post.get("action", "")
    text_field = {"edit": "edit_text", "write": "own_text"}.get(action)
    rejecting = action == "reject"
    return {
        "action": action,
        "candidate_id": optional_int(post.get("candidate_id")),
        "text": post.get(text_field) if text_field else None,
        "reasons": post.getlist("reasons") if rejecting else [],
        "note": post.get("note", "") if rejecting else "",
        "rubric": rubric_from_post(post),
    }


def decision_form_context() -> dict:
    """What the shared decision form lists: rejection reasons and this site's rubric."""
    return {
        "reasons": REJECTION_REASONS,
        "rubric": [(item, RUBRIC_LABELS.get(item, item)) for item in rubric_items()],
        "scores": RUBRIC_SCORES,
    }
