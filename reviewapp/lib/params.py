"""Whole numbers from query strings and forms: a malformed one is the client's mistake.

``?v=abc`` on a page is answered 400 with a message in the user's language
(reviewapp/views/errors.py renders it), never a 500; a view that reports input
errors its own way catches it as the ``InvalidInput`` it also is.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

from reviewapp.errors import InvalidInput

# What a PostgreSQL bigint holds: ids and versions never exceed it.
_LARGEST = 2**63 - 1


class BadParameter(InvalidInput, BadRequest):
    """A parameter that is not what the page sends; the message is safe to show."""


def optional_int(value: str | None) -> int | None:
    """``value`` as a whole number, or None when it is absent or empty."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or abs(number) > _LARGEST:
        raise BadParameter(_("A number was expected."))
    return number
