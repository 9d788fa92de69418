"""Secrets handed out once (patient links, API tokens) and stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from reviewapp.models import ApiToken, Conversation


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def conversation_for_token(token: str) -> Conversation | None:
    if not token:
        return None
    # Annotation conversations have a token nobody was given; refuse them anyway.
    return Conversation.objects.filter(
        token_hash=hash_secret(token), kind=Conversation.Kind.PATIENT
    ).first()


# A fixed lead-in names the token's kind in a leaked log or config, and keeps its
# first characters from starting with "-": a random key could, and then
# `revokeapitoken --prefix -abc…` read the prefix as an option.
API_TOKEN_LEAD = "cs_"


def api_token_create(*, user, name: str = "") -> str:
    """Create a personal API token and return it; it cannot be shown again."""
    key = API_TOKEN_LEAD + new_secret()
    ApiToken.objects.create(user=user, name=name, key_hash=hash_secret(key), prefix=key[:8])
    return key


def user_for_api_token(key: str):
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_secret(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def api_tokens_revoke(*, user, prefix: str = "") -> int:
    """Revoke a user's live tokens (those starting with ``prefix``, or all); how many."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if prefix:
        live = live.filter(prefix__startswith=prefix[:8])
    return live.update(revoked_at=timezone.now())
