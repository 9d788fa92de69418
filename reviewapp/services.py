"""Which conversations a user may see: their services' own, and those opened by break-glass;
and which sites' comparisons and drafting profile they may change: their own.

The one place for the rule. Pages and the API ask ``draft_visible_to`` before
showing or acting on a request, and narrow every list with ``visible_drafts``.
Superusers see everything; annotators never reach patient conversations at all
(their role has no review permission).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewapp import roles
from reviewapp.audit import audit_record
from reviewapp.decision_input import clean_text
from reviewapp.errors import InvalidInput
from reviewapp.models import BreakGlassGrant, Conversation, DraftRequest, Service

MIN_REASON_CHARS = 15
MAX_REASON_CHARS = 500


def _scope(user) -> tuple[list[int], list]:
    """(service ids, conversation ids opened by break-glass), read once per request."""
    cached = getattr(user, "_countersign_scope", None)
    if cached is None:
        services = list(user.services.values_list("pk", flat=True))
        granted = list(
            BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now()).values_list(
                "conversation_id", flat=True
            )
        )
        cached = user._countersign_scope = (services, granted)
    return cached


def sees_everything(user) -> bool:
    return user.is_superuser


def scope_key(user) -> str:
    """Names what ``user`` can see, for caching figures per scope."""
    if sees_everything(user):
        return "all"
    services, granted = _scope(user)
    return "s" + ",".join(map(str, sorted(services))) + "g" + ",".join(map(str, sorted(granted)))


def visible_drafts(drafts: QuerySet, user) -> QuerySet:
    if sees_everything(user):
        return drafts
    services, granted = _scope(user)
    return drafts.filter(
        Q(message__conversation__service_id__in=services) | Q(message__conversation_id__in=granted)
    )


def conversation_visible_to(conversation: Conversation, user) -> bool:
    if sees_everything(user):
        return True
    services, granted = _scope(user)
    return conversation.service_id in services or conversation.pk in granted


def draft_visible_to(draft: DraftRequest, user) -> bool:
    return conversation_visible_to(draft.message.conversation, user)


def managed_services(user) -> QuerySet[Service]:
    """The sites whose comparisons and drafting profile ``user`` may change: their own
    services (every one for superusers)."""
    if sees_everything(user):
        return Service.objects.all()
    return Service.objects.filter(members=user)


def manages_every_service(user) -> bool:
    """Whether ``user`` runs every site, and so may change what sites share (the
    default profile) rather than their own sites' profile only."""
    return not Service.objects.exclude(pk__in=managed_services(user).values("pk")).exists()


def break_glass_open(*, user, conversation: Conversation, reason: str, request=None):
    """Open another service's conversation to ``user`` for BREAK_GLASS_HOURS, with the
    reason on record; the service's supervisors are told at once."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_CHARS:
        raise InvalidInput(
            _("State the reason (at least %(limit)s characters).") % {"limit": MIN_REASON_CHARS}
        )
    # Stored, audited and e-mailed whole: a reason, not a document.
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(
            _("Keep the reason to %(limit)s characters or fewer.") % {"limit": MAX_REASON_CHARS}
        )
    reason = clean_text(reason, what=_("The reason"))  # no control characters (NUL)
    hours = settings.COUNTERSIGN["BREAK_GLASS_HOURS"]
    grant = BreakGlassGrant.objects.create(
        user=user,
        conversation=conversation,
        reason=reason,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    user.__dict__.pop("_countersign_scope", None)
    audit_record(
        action="break_glass.open",
        actor=user,
        obj=conversation,
        request=request,
        service=conversation.service.slug,
        reason=reason,
        hours=hours,
    )
    _notify_supervisors(grant)
    return grant


def _notify_supervisors(grant: BreakGlassGrant) -> None:
    service = grant.conversation.service
    supervisors = [
        member.email
        for member in service.members.filter(is_active=True).exclude(email="")
        if roles.user_can(member, roles.SUPERVISE)
    ]
    recipients = supervisors or settings.COUNTERSIGN["ON_CALL_EMAILS"]
    if not recipients:
        return
    # Who, which conversation (its pseudonym) and why: no patient text.
    send_mail(
        subject=f"Break-glass access to a {service.name} conversation",
        message=(
            f"{grant.user.get_username()} opened conversation {grant.conversation.pseudonym} "
            f"of {service.name} until {grant.expires_at:%Y-%m-%d %H:%M} UTC.\n"
            f"Reason given: {grant.reason}\n"
        ),
        from_email=None,
        recipient_list=list(recipients),
        fail_silently=True,
    )
