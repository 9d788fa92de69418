"""The site's crisis protocol and each locale's crisis resources, kept in configuration.

Built-in defaults below; a site replaces them with a JSON file of the same shape
(``CRISIS_PROTOCOL_FILE``). A reply to a crisis message should carry one of its
locale's resources; ``resources_missing`` says when it does not.
"""

from __future__ import annotations

import json
import re
from functools import cache

from django.conf import settings
from django.utils.translation import gettext_noop

DEFAULT_PROTOCOL = {
    "steps": [
        gettext_noop(
            "Reply now: acknowledge what they wrote and ask directly whether they are safe."
        ),
        gettext_noop("Give the crisis resources below in the reply."),
        gettext_noop(
            "If life is in immediate danger, call the emergency number and stay with the patient."
        ),
        gettext_noop(
            "Tell the on-call clinician (they have been notified) and record what you did."
        ),
    ],
    "locales": {
        "fi": [
            {"name": "MIELI ry:n kriisipuhelin", "contact": "09 2525 0111"},
            {"name": "Hätänumero", "contact": "112"},
        ],
        "en": [
            {"name": "988 Suicide & Crisis Lifeline (United States)", "contact": "988"},
            {"name": "Emergency services", "contact": "911"},
        ],
    },
}


@cache
def _configured(path: str) -> dict:
    if not path:
        return DEFAULT_PROTOCOL
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def protocol() -> dict:
    return _configured(settings.COUNTERSIGN["CRISIS_PROTOCOL_FILE"])


def resources_for(locale: str) -> list[dict]:
    locales = protocol()["locales"]
    locale = locale.lower().replace("_", "-")
    return locales.get(locale) or locales.get(locale.split("-")[0]) or locales["en"]


def _joined_numbers(text: str) -> str:
    """ "09 2525 0111" and "09-2525-0111" both become "0925250111"."""
    return re.sub(r"(?<=\d)[\s.-](?=\d)", "", text)


def resources_missing(text: str, locale: str) -> bool:
    """True if the reply names none of the locale's crisis resources."""
    joined = _joined_numbers(text)
    lowered = text.lower()
    for resource in resources_for(locale):
        number = re.sub(r"\D", "", resource["contact"])
        if number and re.search(rf"(?<!\d){number}(?!\d)", joined):
            return False
        if resource["name"].lower() in lowered:
            return False
    return True
