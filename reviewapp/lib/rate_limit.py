"""Rate limits on the patient side: per conversation, per client address, per new conversation.

``patient_request`` is the one rule for which limits a request counts against;
the patient API and the chat page call it and answer a refusal with 429 and
``Retry-After``. Each limit is a counter per subject (a conversation, an address)
that lives for the limit's window from its first counted request. All the
counters of one request are checked and counted in one Redis script, so it is
atomic across every web process: a refused request counts against nothing, and
an accepted one against all. A burst straddling the end of a window may get up
to twice a limit through.

Keys hold a keyed hash of the subject, never a chat token or an address. Redis
is ``RATE_LIMIT_REDIS_URL`` (the broker's by default). The demo, with no Redis,
counts in Django's cache instead: per process, which is all the demo's single
web process needs. A Redis that does not answer lets requests through (a
patient's message matters more than a limit): logged without patient text,
counted in ``countersign_failures_total{what="rate_limit_store"}``, and not
asked again for ``STORE_RETRY_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

from reviewapp.lib.client_address import client_address
from reviewapp.observability import events
from reviewapp.observability.definitions import RATE_LIMITED
from reviewapp.observability.store import counter_add, redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "countersign:ratelimit:"
# A Redis that did not answer is left alone this long: an outage costs one timeout
# every so often, not one per request.
STORE_RETRY_SECONDS = 10.0
STORE_TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True)
class Limit:
    name: str  # in keys and as the refusal counter's label
    setting: str  # its allowance: settings.RATE_LIMITS[setting]; 0 switches it off
    window: int  # seconds
    subject: str  # "conversation" or "address": what the patient is told is busy

    @property
    def allowance(self) -> int:
        return settings.RATE_LIMITS[self.setting]


MESSAGES_PER_MINUTE = Limit("conversation-minute", "MESSAGES_PER_MINUTE", 60, "conversation")
MESSAGES_PER_HOUR = Limit("conversation-hour", "MESSAGES_PER_HOUR", 3600, "conversation")
REQUESTS_PER_ADDRESS = Limit("address-minute", "ADDRESS_PER_MINUTE", 60, "address")
STARTS_PER_ADDRESS = Limit("starts-hour", "NEW_CONVERSATIONS_PER_HOUR", 3600, "starts")
LIMITS = (MESSAGES_PER_MINUTE, MESSAGES_PER_HOUR, REQUESTS_PER_ADDRESS, STARTS_PER_ADDRESS)


@dataclass(frozen=True)
class Refusal:
    limit: Limit
    retry_after: int  # whole seconds, at least 1

    @property
    def message(self) -> str:
        """What the patient is told, in the active language."""
        minutes = max(1, math.ceil(self.retry_after / 60))
        if self.limit.subject == "conversation":
            text = ngettext(
                "You have sent many messages in a short time. "
                "Please send this one again in %(minutes)s minute.",
                "You have sent many messages in a short time. "
                "Please send this one again in %(minutes)s minutes.",
                minutes,
            )
        elif self.limit.subject == "starts":
            text = ngettext(
                "Too many new conversations from your network. "
                "Please try again in %(minutes)s minute.",
                "Too many new conversations from your network. "
                "Please try again in %(minutes)s minutes.",
                minutes,
            )
        else:
            text = ngettext(
                "Too many requests from your network. Please try again in %(minutes)s minute.",
                "Too many requests from your network. Please try again in %(minutes)s minutes.",
                minutes,
            )
        return text % {"minutes": minutes}


def patient_request(
    request: HttpRequest, *, message_to=None, starting: bool = False
) -> Refusal | None:
    """Count a patient's request against its limits; a Refusal if one is used up.

    A message (``message_to``) counts against its conversation only: many patients
    share one address (a clinic's Wi-Fi, a carrier's NAT), and their page polling must
    never use up the allowance a crisis message needs. Everything else (pages, their
    polling, the API's reads, a new conversation) counts against the address, and a
    new conversation against the address's starts too.
    """
    if message_to is not None:
        conversation = f"conversation {message_to.pk}"
        return take([(MESSAGES_PER_MINUTE, conversation), (MESSAGES_PER_HOUR, conversation)])
    address = address_subject(client_address(request))
    counted = [(REQUESTS_PER_ADDRESS, address)]
    if starting:
        counted.append((STARTS_PER_ADDRESS, address))
    return take(counted)


def address_subject(address: str | None) -> str:
    """Whom an address stands for: an IPv6 host has its /64 to choose from."""
    if address is None:
        return "address unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return f"address {ipaddress.ip_network(f'{parsed}/64', strict=False)}"
    return f"address {parsed}"


def counter_key(limit: Limit, subject: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), subject.encode(), hashlib.sha256)
    return f"{KEY_PREFIX}{limit.name}:{digest.hexdigest()[:32]}"


def take(counted: list[tuple[Limit, str]]) -> Refusal | None:
    counters = [(limit, counter_key(limit, subject)) for limit, subject in counted]
    counters = [(limit, key) for limit, key in counters if limit.allowance > 0]
    if not counters:
        return None
    redis_configured = bool(settings.RATE_LIMIT_REDIS_URL)
    refused = _store.take(counters) if redis_configured else _take_from_cache(counters)
    if refused is not None:
        counter_add(RATE_LIMITED, limit=refused.limit.name)
    return refused


# Refused when any counter has reached its allowance: then nothing is counted and
# the index (1-based) and milliseconds left of the longest-lived full counter are
# returned. Otherwise every counter goes up, a new one living for its window.
# KEYS: the counters; ARGV: their allowances, then their windows in ms.
_TAKE_SCRIPT = """
local n = #KEYS
local refused, wait = 0, 0
for i = 1, n do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then
    local left = redis.call('PTTL', KEYS[i])
    if left < 0 then
      left = tonumber(ARGV[n + i])
      redis.call('PEXPIRE', KEYS[i], left)
    end
    if left > wait then refused, wait = i, left end
  end
end
if refused > 0 then return {refused, wait} end
for i = 1, n do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
end
return {0, 0}
"""


class _RedisStore:
    def __init__(self) -> None:
        self._url: str | None = None
        self._script = None
        self._down_until = 0.0
        self._last_complaint = 0.0

    def take(self, counters: list[tuple[Limit, str]]) -> Refusal | None:
        if time.monotonic() < self._down_until:
            events.failure("rate_limit_store")
            return None
        allowances = [limit.allowance for limit, _ in counters]
        windows = [limit.window * 1000 for limit, _ in counters]
        try:
            refused, wait_ms = self._loaded()(
                keys=[key for _, key in counters], args=allowances + windows
            )
        except redis.RedisError as exc:
            self._fail_open(exc)
            return None
        if not refused:
            return None
        return Refusal(counters[refused - 1][0], max(1, math.ceil(wait_ms / 1000)))

    def _loaded(self):
        if self._url != settings.RATE_LIMIT_REDIS_URL:
            client = redis_client(settings.RATE_LIMIT_REDIS_URL, timeout=STORE_TIMEOUT_SECONDS)
            self._script = client.register_script(_TAKE_SCRIPT)
            self._url = settings.RATE_LIMIT_REDIS_URL
        return self._script

    def _fail_open(self, exc: Exception) -> None:
        # The class only: nothing of the request (let alone a patient's text) is in it.
        self._down_until = time.monotonic() + STORE_RETRY_SECONDS
        events.failure("rate_limit_store")
        now = time.monotonic()
        if now - self._last_complaint >= 60:
            self._last_complaint = now
            logger.warning(
                "rate limit store unreachable (%s); requests let through unlimited for %g s",
                type(exc).__name__,
                STORE_RETRY_SECONDS,
            )

    def clear(self) -> None:
        """Forget every counter and any outage: Redis is asked again at the next request."""
        self._down_until = 0.0
        client = redis_client(settings.RATE_LIMIT_REDIS_URL, timeout=2)
        for key in client.scan_iter(f"{KEY_PREFIX}*", count=1000):
            client.delete(key)


_store = _RedisStore()


def counters_clear() -> None:
    """Start every limit afresh in Redis (the demo's counters go with ``cache.clear()``)."""
    if settings.RATE_LIMIT_REDIS_URL:
        _store.clear()


# The demo's fallback: one lock makes the cache's read-then-write whole in this process.
_cache_guard = threading.Lock()


def _take_from_cache(counters: list[tuple[Limit, str]]) -> Refusal | None:
    now = time.time()
    with _cache_guard:
        current = {}
        for limit, key in counters:
            count, until = cache.get(key) or (0, 0.0)
            current[key] = (count, until) if until > now else (0, now + limit.window)
        full = [
            (current[key][1] - now, limit)
            for limit, key in counters
            if current[key][0] >= limit.allowance
        ]
        if full:
            wait, limit = max(full, key=lambda item: item[0])
            return Refusal(limit, max(1, math.ceil(wait)))
        for _, key in counters:
            count, until = current[key]
            cache.set(key, (count + 1, until), timeout=math.ceil(until - now))
    return None
