"""What every page needs to know about the signed-in user: which parts they may use."""

from __future__ import annotations

from reviewapp import roles


def roles_context(request) -> dict:
    user = request.user
    return {
        "can_review": roles.user_can(user, roles.REVIEW),
        "can_supervise": roles.user_can(user, roles.SUPERVISE),
        "can_annotate": roles.user_can(user, roles.ANNOTATE),
        "can_manage_annotation": roles.user_can(user, roles.MANAGE_ANNOTATION),
        "can_export": roles.user_can(user, roles.EXPORT),
        "can_analyse": roles.user_can(user, roles.ANALYTICS),
    }
