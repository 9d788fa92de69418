"""The address a request really came from: the one place that reads X-Forwarded-For.

Behind ``TRUSTED_PROXY_COUNT`` proxies that each append the address they were
reached from, the client's address is that many entries from the right of
X-Forwarded-For. Everything left of it was written by the client and proves
nothing, so it is never read. With no proxy (0, the default) REMOTE_ADDR is the
client. A header too short or not an address means the request did not come
through the proxies as configured: then REMOTE_ADDR is all that is known.

The rate limits, the audit log and django-axes (``AXES_CLIENT_IP_CALLABLE``)
all ask here.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < hops:
        return remote
    return _address(forwarded[-hops]) or remote


def _address(text: str) -> str | None:
    """One address in its canonical spelling; None if ``text`` is not one.

    Some proxies add the client's port ("203.0.113.7:51234", "[2001:db8::1]:443").
    An IPv4 address written as IPv6 ("::ffff:203.0.113.7") is the IPv4 one.
    """
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)
