"""Identifiers with a shape: e-mail, URL, handle, henkilötunnus, phone, SSN, record and
insurance numbers, street addresses, postal codes and dates.

Identity numbers are masked by their shape, not only when their check character
is valid (python-stdnum checks it): a mistyped number still identifies someone.
Phone numbers come from phonenumbers, Finnish and international formats.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum.fi import hetu

from reviewapp.deid.entities import Entity

PHONE_REGIONS = ("FI", "US", "GB", "SE")
MIN_PHONE_DIGITS = 7
I = re.IGNORECASE  # noqa: E741

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = (
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat"
    r"|sun|ma|ti|ke|to|pe|la|su|maanantaina|tiistaina|keskiviikkona|torstaina|perjantaina"
    r"|lauantaina|sunnuntaina)\.?,?\s+)?"
)
_KUUT = (
    "tammikuuta|helmikuuta|maaliskuuta|huhtikuuta|toukokuuta|kesäkuuta|heinäkuuta"
    "|elokuuta|syyskuuta|lokakuuta|marraskuuta|joulukuuta"
)
_FI_STREET = (
    r"[A-ZÅÄÖ][a-zåäö]+(?:tie|katu|kuja|polku|väylä|tori|ranta|kaari|rinne|mäki|puisto"
    r"|raitti|tanhua|aukio|katu|vägen|gatan)"
)
_EN_STREET = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl"
    r"|Terrace|Close|Crescent)\b\.?"
)

_PATTERNS: dict[str, re.Pattern] = {
    "EMAIL": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "URL": re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]", I),
    "HANDLE": re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?"),
    "HETU": re.compile(r"\b\d{6}\s?[-+A-FU-Ya-fu-y]\s?\d{3}[0-9A-Ya-y]\b"),
    "SSN": re.compile(r"\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b"),
    "RECORD_NUMBER": re.compile(
        r"(?:\b(?:MRN|record|chart|patient|policy|insurance|member|case|Kela|Medicaid"
        r"|Medicare|group|ID|potilas|vakuutus|asiakas|henkilö|sairauskertomus|kortti"
        r"|numero|nro|tunnus|lähete|päätös)\w*"
        r"(?:\s+(?:number|no\.?|#|id|nro|numero|numeroni|on|is|oli|se|:))*\s*[:#]?\s*)"
        r"(?P<id>[A-Z]{0,4}-?\d[\dA-Z-]{2,}[\dA-Z]|\d{4,})",
        I,
    ),
    # Codes that mix capitals and digits ("ABC-123456", "MH-0049127", "XJH448120937"):
    # nothing else in a patient's message looks like that.
    "CODE": re.compile(
        r"\b(?=[A-Z0-9-]*\d)(?=[0-9-]*[A-Z])[A-Z0-9]{1,6}(?:-[A-Z0-9]{2,})+\b"
        r"|\b[A-Z]{2,4}\d{6,}\b"
    ),
    "ADDRESS": re.compile(
        rf"\b{_FI_STREET}\s+\d+(?:\s?[A-Za-z])?(?:\s?\d+)?\b"
        rf"|\b\d{{1,5}}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){{1,3}}{_EN_STREET}(?:,?\s+(?:Apt|Flat|Unit)\.?\s*\w+)?"
    ),
    "POSTCODE": re.compile(
        r"\b\d{5}(?=\s+[A-ZÅÄÖ][a-zåäö]+)"  # 00100 Helsinki
        r"|(?<=\b[A-Z]{2}\s)\d{5}(?:-\d{4})?\b"  # NY 10001
        r"|(?<=ZIP\s)\d{5}\b|(?<=postinumero\s)\d{5}\b",
        I,
    ),
    "DATE": re.compile(
        rf"\b{_WEEKDAYS}(?:"
        r"\d{4}-\d{2}-\d{2}\b"
        r"|\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})\b"
        r"|\d{1,2}\.\d{1,2}\.(?=\s|$|[,;])"
        rf"|\d{{1,2}}\.?\s+(?:{_KUUT})(?:\s+\d{{4}})?"
        rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"
        rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b\.?(?:,?\s+\d{{4}}\b)?"
        r")",
        I,
    ),
}


# Every pattern but these needs a digit, and most texts (replies above all) have
# none: skipping them there is exact and makes an export several times faster.
_WITHOUT_DIGITS = {"EMAIL", "URL", "HANDLE"}
_DIGIT = re.compile(r"\d")


def _digits(text: str) -> str:
    return re.sub(r"\W", "", text).upper()


def find_structured(text: str) -> list[Entity]:
    found: list[Entity] = []
    digit_count = len(_DIGIT.findall(text))
    for kind, pattern in _PATTERNS.items():
        if not digit_count and kind not in _WITHOUT_DIGITS:
            continue
        for match in pattern.finditer(text):
            group = "id" if "id" in pattern.groupindex else 0
            start, end = match.span(group)
            # A code is a record number whatever word stood before it.
            label = "RECORD_NUMBER" if kind == "CODE" else kind
            found.append(Entity(label, start, end, key=_digits(match.group(group))))
    # A phone number has seven digits or more (see below).
    regions = PHONE_REGIONS if digit_count >= MIN_PHONE_DIGITS else ()
    for region in regions:
        # POSSIBLE, not VALID: a number from a range not yet allocated (or a
        # made-up one) still identifies whoever wrote it down.
        matcher = phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE
        )
        for match in matcher:
            # A year or an amount is "possible" too; a phone number has seven digits or more.
            if len(re.sub(r"\D", "", match.raw_string)) >= MIN_PHONE_DIGITS:
                found.append(Entity("PHONE", match.start, match.end, key=_digits(match.raw_string)))
    return found


def is_valid_hetu(value: str) -> bool:
    """Whether a henkilötunnus's check character is right (python-stdnum)."""
    return hetu.is_valid(_digits(value[:6]) + value.strip()[6:].replace(" ", "").upper())
