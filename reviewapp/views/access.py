"""The access rules of the pages, one function each, called by every view that needs them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from reviewapp import roles, workflow


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


def optional_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise workflow.InvalidInput(_("A number was expected.")) from None
