"""Where to send a user back to: a path on this site, or the start page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def same_site_or_root(request: HttpRequest, target: str) -> str:
    """``target`` if it stays on this site; "/" otherwise (no open redirect)."""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"
