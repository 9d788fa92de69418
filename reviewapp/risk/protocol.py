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
        # Whether on-call was really paged is said under the steps (alert_status).
        gettext_noop(
            "Make sure the on-call clinician knows (see below whether they were paged) and "
            "record what you did."
        ),
    ],
    # Shown to the patient, in the conversation's language, the moment a message
    # is screened crisis: fixed text a clinician approved, never a model's.
    # "alerted" is added only once an alert channel has really delivered.
    "patient_notice": {
        "fi": {
            "text": (
                "Kiitos, että kerroit tämän. Viestisi on merkitty kiireelliseksi, ja "
                "kliinikko vastaa sinulle niin pian kuin mahdollista. Jos olet nyt vaarassa "
                "tai pelkäät toimivasi näiden ajatusten mukaan, ota heti yhteyttä:"
            ),
            "alerted": "Päivystävälle kliinikolle on ilmoitettu.",
        },
        "en": {
            "text": (
                "Thank you for telling us. Your message has been marked urgent and a "
                "clinician will reply as soon as possible. If you are in danger now, or "
                "afraid you might act on these thoughts, contact one of these right away:"
            ),
            "alerted": "The on-call clinician has been alerted.",
        },
    },
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


def _for_locale(table: dict, locale: str):
    locale = locale.lower().replace("_", "-")
    return table.get(locale) or table.get(locale.split("-")[0]) or table.get("en")


def resources_for(locale: str) -> list[dict]:
    return _for_locale(protocol()["locales"], locale)


def patient_notice_for(locale: str) -> dict:
    """The fixed crisis notice for a patient, {"text", "alerted"}, in their language.

    A site's protocol file may leave it out: then the built-in wording is used.
    """
    notices = protocol().get("patient_notice") or DEFAULT_PROTOCOL["patient_notice"]
    return _for_locale(notices, locale) or _for_locale(DEFAULT_PROTOCOL["patient_notice"], locale)


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
