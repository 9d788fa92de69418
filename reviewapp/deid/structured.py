"""Identifiers with a shape: e-mail, URL, handle, henkilötunnus, phone, SSN, record and
insurance numbers, licence plates, room and route numbers, street addresses,
postal codes and dates.

E-mail addresses are also found written out ("matti dot virtanen at gmail dot
com", "sanna(at)luukku.fi", "aada ät gmail piste com"); usernames by their shape
(a word mixing letters and digits, an underscore, a Discord "#1234") and after the
word that introduces one ("insta: …", "nimimerkki …").

Identity numbers are masked by their shape, not only when their check character
is valid (python-stdnum checks it): a mistyped number still identifies someone.
Phone numbers come from phonenumbers, Finnish and international formats.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from stdnum.fi import hetu

from reviewapp.deid.entities import Entity
from reviewapp.deid.lexicon import finnish_readings
from reviewapp.deid.words import is_ordinary

PHONE_REGIONS = ("FI", "US", "GB", "SE")
MIN_PHONE_DIGITS = 7
I = re.IGNORECASE  # noqa: E741

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = (
    r"(?:(?:(?:next|this|last|ensi|ens|tänä|viime)\s+)?(?:monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun|ma|ti|ke|to|pe"
    r"|la|su|maanantaina|tiistaina|keskiviikkona|torstaina|perjantaina|lauantaina"
    r"|sunnuntaina)\.?,?\s+(?:the\s+)?)?"
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

_KUUN = (
    "tammikuun|helmikuun|maaliskuun|huhtikuun|toukokuun|kesäkuun|heinäkuun|elokuun|syyskuun"
    "|lokakuun|marraskuun|joulukuun"
)
_TLD = (
    "com|fi|net|org|io|co|uk|ie|edu|gov|me|info|de|se|eu|ee|no|dk|us|ca|au|nl|fr|it|es|biz"
    "|app|dev|xyz|email|online|live|ch|be|pl|ru|ly|tv|gg|ai|to|cc|page|link|site|blog|store"
)
# Mail providers a patient may name without the ending: "aada at hotmail".
_MAIL_PROVIDERS = "gmail|hotmail|outlook|yahoo|icloud|luukku|suomi24|proton|protonmail|msn|aol"
_WRITTEN_AT = (
    r"(?:\s*@\s*|\s*[(\[{<]\s*(?:at|ät|a|miuku|miukumauku)\s*[)\]}>]\s*"
    r"|\s+(?:at|ät|miuku|miukumauku|kissanhäntä)\s+)"
)
_WRITTEN_DOT = r"(?:\s*[(\[{<]\s*(?:dot|piste)\s*[)\]}>]\s*|\s+(?:dot|piste)\s+|\s?\.\s?)"
# Time, dose and count units: "klo 14.30", "2.5 mg", "bussilla 2 tuntia" are none of these.
_UNIT_AFTER = (
    r"(?!\s*(?:mg|ml|g|kg|km|m|cm|mm|h|min|mins?|minutes?|hours?|hrs?|days?|weeks?|tuntia"
    r"|tunnin|tuntii|minuuttia|päivää|viikkoa|kertaa|times|euroa|€|e|%|astetta|°|x|pm|am)\b)"
)
_ROOM_WORDS = (
    r"room|rm|ward|bed|bay|flat|apt|apartment|unit|suite|cell|\w*huone\w*|osasto\w*|sänky\w*"
    r"|sängy\w*|vuode\w*|vuotee\w*|asunto\w*|asunno\w*|rappu\w*|porras\w*|kerros\w*"
)
_ROUTE_WORDS = (
    r"bus|buses|tram|train|route|line|metro|coach|night\s+bus"
    r"|(?:yö|lähi|linja|kaupunki|pika)?(?:bussi|bussa|juna|metro)\w*"
    r"|ratikka\w*|ratika\w*|raitiovaunu\w*|linja\w*|spora\w*"
)
# Words that introduce a username, platforms in any Finnish case ("snäpissä", "discordissa").
_TAKING = "catch|caught|catches|catching|ride|rode|rides|riding"
# Words that can follow a bus or train named by its number alone, and never a count's noun.
_AFTER_A_LINE = (
    r"to|and|again|home|back|into|past|this|every|at|from|but|so|because|cos|coz|today"
    r"|yesterday|tonight|last|in|or|then|i|we|he|she|they|it|goes|went|go|was|is|comes|came"
    r"|stops|stopped|never|always|were|had|has|which|that|each|all|just|up|down|out|through"
    r"|towards|round|around|for|with|when|after|before|till|until|now|anymore|instead"
    r"|driver|stop|timetable|bus|tram|train|coach|night|express"
)
_HANDLE_WORDS = (
    r"username|user\s+name|user|handle|nick|nickname|gamertag|tag|ig|psn|xbox|threads|bluesky"
    r"|(?:insta|snap|snäp|discord|twitter|tiktok|telegram|steam|reddit|twitch|youtube|kik"
    r"|whatsapp|tunnari|käyttäjä|nimimerk)\w*"
)

_PATTERNS: dict[str, re.Pattern] = {
    # With or without its ending, spaces around the @ too: "sanna@gmail", "m.dillon @ hse.ie".
    "EMAIL": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*|[\w.+-]+\s@\s[\w-]+(?:\s?\.\s?[\w-]+)+"),
    "EMAIL_WRITTEN": re.compile(
        # Parts may be bracketed: "[veikko.aho] at [outlook] piste com".
        rf"(?<![\w.])\[?[\w+-]+(?:{_WRITTEN_DOT}[\w+-]+){{0,3}}\]?{_WRITTEN_AT}\[?"
        rf"(?:[\w-]+\]?(?:{_WRITTEN_DOT}[\w-]+){{0,2}}?{_WRITTEN_DOT}(?:{_TLD})\b"
        rf"(?:{_WRITTEN_DOT}(?:{_TLD})\b)?"
        rf"|(?:{_MAIL_PROVIDERS})\b\]?)",
        I,
    ),
    "URL": re.compile(
        r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]"
        # A bare address: "facebook.com/eeli.k", "linktr.ee/hope", "koivikonkuntoutus.fi".
        rf"|(?<![@\w.])[\w-]{{2,}}(?:\.[\w-]+)*\.(?:{_TLD})\b(?:/[^\s<>\"]*[^\s<>\".,;:!?)])?",
        I,
    ),
    "HANDLE": re.compile(
        r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?"
        r"|\b[ur]/[A-Za-z0-9_-]{3,}"  # Reddit
        r"|\b[\w.]{2,}#\d{4}\b"  # Discord
    ),
    "PLATE": re.compile(
        r"\b[A-ZÅÄÖ]{2,3}-\d{1,3}\b"  # Finnish: ABC-123
        r"|\b[a-zåäö]{2,3}-\d{1,3}\b(?![.,]\d)"  # abc-123 in chat
        r"|\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b"  # British: AB12 CDE
        r"|\b[a-z]{2}\d{2}\s[a-z]{3}\b"
        r"|\b\d{2,3}-[A-Z]{1,2}-\d{1,6}\b"  # Irish: 221-CE-1043
        r"|\b\d[A-Z]{3}\d{3}\b",  # Californian: 7KDR219
    ),
    # After the vehicle: "black van htr 5521", "autolla zno-904".
    "PLATE_VEHICLE": re.compile(
        r"\b(?:car|van|truck|lorry|auto\w*|pakettiauto\w*|farmari\w*|rekka\w*|mopo\w*"
        r"|moottoripyör\w*)\s+(?P<id>[A-Za-zÅÄÖåäö]{2,3}[\s-]?\d{1,4})\b",
        I,
    ),
    # Spaced "GKL 442" only after the word for a plate: "KLO 14" is a time.
    "PLATE_NAMED": re.compile(
        r"\b(?:rekkari\w*|rekisteri\w*|plates?|reg|registration)(?:\s+(?:is|on|oli|number|nro))?"
        r"\s*:?\s*(?P<id>[A-ZÅÄÖ]{1,3}[\s-]?\d{1,4}|\d{1,3}[A-Z]{1,4}\d{1,4})\b",
        I,
    ),
    "ROOM": re.compile(
        rf"\b(?:{_ROOM_WORDS})\.?(?:\s+(?:no\.?|number|nro|numero|n:o|is|on|oli))?\s*[#:]?\s*"
        rf"(?:\d{{1,4}}[A-Za-z]?|[A-Za-z]\d{{1,3}})(?:[-/]\d{{1,4}}[A-Za-z]?)?\b{_UNIT_AFTER}",
        I,
    ),
    "ROUTE": re.compile(
        rf"\b(?:{_ROUTE_WORDS})(?:\s+(?:no\.?|number|nro|numero))?\s*[#:]?\s*"
        rf"(?:\d{{1,4}}[A-Za-z]?|[A-Za-z]\d{{1,3}})\b{_UNIT_AFTER}"
        # "the 236 bus", "number 9 tram", "the 6 train": the words before the number too.
        r"|\b(?:(?:the|number|no\.?|nro)\s+)?\d{1,4}[A-Za-z]?(?::\w+)?\s+"
        r"(?:bus|tram|train|coach|bussi\w*|ratika\w*|ratikka\w*|linja\w*|juna\w*|metro\w*)\b",
        I,
    ),
    # "the 134 goes past", "missed the 46a again", "on the x90 to": a line by its number
    # alone, where the words after it say no count ("the 3 of us", "the 10 minutes").
    "ROUTE_THE": re.compile(
        r"\bthe\s+(?:\d{1,3}[A-Za-z]?|[A-Za-z]\d{1,3}[A-Za-z]?)"
        rf"(?=\s*(?:$|[,.;:!?)]|(?:{_AFTER_A_LINE})\b))",
        I,
    ),
    # "catch the 46a", "took the 7 home": a line by its number alone.
    "ROUTE_TAKEN": re.compile(
        rf"\b(?:{_TAKING})\s+the\s+(?P<id>\d{{1,3}}[A-Za-z]?)\b{_UNIT_AFTER}",
        I,
    ),
    "HETU": re.compile(r"\b\d{6}\s?[-+A-FU-Ya-fu-y]\s?\d{3}[0-9A-Ya-y]\b"),
    "SSN": re.compile(
        r"\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b"
        # A British National Insurance number: "QQ 12 34 56 C", "qq123456c".
        # Any two letters: patients copy HMRC's own example, "QQ", too.
        r"|\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
        I,
    ),
    "RECORD_NUMBER": re.compile(
        r"(?:\b(?:MRN|record|chart|patient|policy|insurance|member|case|Kela|Medicaid"
        r"|Medicare|group|ID|potilas|vakuutus|asiakas|henkilö|sairauskertomus|kortti"
        r"|numero|nro|tunnus|lähete|päätös)\w*"
        r"(?:\s+(?:number|no\.?|#|id|nro|numero|numeroni|on|is|oli|se|:))*\s*[:#]?\s*)"
        r"(?P<id>[A-Z]{0,4}-?\d[\dA-Z/-]{2,}[\dA-Z]|\d{4,})",
        I,
    ),
    # Codes that mix capitals and digits ("ABC-123456", "MH-0049127", "XJH448120937"):
    # nothing else in a patient's message looks like that.
    "CODE": re.compile(
        r"\b(?=[A-Z0-9-]*\d)(?=[0-9-]*[A-Z])[A-Z0-9]{1,6}(?:-[A-Z0-9]{2,})+\b"
        r"|\b[A-Z]{2,4}\d{6,}\b"
        # Slashed codes with letters and digits ("2024/SS/11873"); a date has no letters.
        r"|\b(?=[\w/]*\d)(?=[\w/]*[A-Za-z])[A-Za-z0-9]+(?:/[A-Za-z0-9]+){2,}\b"
    ),
    # A year of birth.
    "BIRTH_YEAR": re.compile(
        r"(?:\bborn(?:\s+in)?|\bsyntyny(?:t|)|\bsyntynyt\s+vuonna|\bsynnyin(?:\s+vuonna)?"
        r"|\bs\.)\s+(?P<id>(?:19|20)\d{2}|['’\-–]\d{2})\b",
        I,
    ),
    "ADDRESS": re.compile(
        rf"\b{_FI_STREET}\s+\d+(?:\s?[A-Za-z])?(?:\s?\d+)?\b"
        rf"|\b\d{{1,5}}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){{1,3}}{_EN_STREET}(?:,?\s+(?:Apt|Flat|Unit)\.?\s*\w+)?"
    ),
    # "38 ladybarn lane", "42 CASTLE ROAD": a house number, one to three words, a street type.
    "ADDRESS_ANY_CASE": re.compile(
        r"\b\d{1,5}[A-Za-z]?\s+(?:(?!(?:the|a|an|on|in|at|of|to|my|for|and|or|from|with|by"
        r"|bus|tram|train|line|route|days?|weeks?"
        r"|hours?|times?|mg|pills?|years?|minutes?|mins?|miles?|km)\b)[A-Za-z']+\s+){1,3}"
        r"(?:street|road|avenue|lane|drive|boulevard|terrace|close|crescent|way|court|place"
        r"|st|rd|ave|ln|dr|blvd|ct)\b",
        I,
    ),
    "POSTCODE": re.compile(
        r"\b\d{5}(?=\s+[A-ZÅÄÖ][a-zåäö]+)"  # 00100 Helsinki
        r"|(?<=\b[A-Z]{2}\s)\d{5}(?:-\d{4})?\b"  # NY 10001
        # Five digits alone are a postal code more often than anything else a patient writes.
        r"|(?<![\d,.€$£])\d{5}(?![\d,.])(?!\s*(?:€|e|eur|euro|euroa|dollars?|pounds?|steps|askelta"
        r"|words|people|ihmistä|kr|usd|mg|km|m)\b)"
        r"|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"  # British: M14 5RT, M145RT
        r"|\b[a-z]{1,2}\d[a-z\d]?\s\d[a-z]{2}\b"  # in chat: m14 5rt
        r"|\b[AC-FHKNPRTV-Y]\d{2}\s[AC-FHKNPRTV-Y\d]{4}\b"  # Irish Eircode: V92 X2C4
        r"|\b[ac-fhknprtv-y]\d{2}\s[ac-fhknprtv-y\d]{4}\b",
    ),
    "POSTCODE_NAMED": re.compile(
        r"\b(?:zip|zip\s+code|postcode|post\s+code|postal\s+code|postinumero\w*|postinro)"
        r"(?:\s+[^\W\d]+){0,2}?\s*:?\s*(?P<id>\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b",
        I,
    ),
    # Dates led by a digit. Every alternative starts with one, which lets the regex
    # engine skip to digits; what must not stand before a date ("klo 14.30", the "7.5"
    # of "37.5") is checked after the match (_date_allowed).
    "DATE": re.compile(
        r"\d{4}-\d{2}-\d{2}\b"
        r"|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b"
        # A month and year: "9/2024", "9.2024".
        r"|\d{1,2}[./](?:19|20)\d{2}\b"
        r"|\d{1,2}\.\d{1,2}\.(?=\s|$|[,;!?)])"
        # "14.9" without its last full stop, not an amount ("2.5 mg").
        rf"|(?:[12]\d|3[01]|[1-9])\.(?:1[0-2]|[1-9])(?![\d.,]){_UNIT_AFTER}"
        # "9/14", "12/5", though not "7/10" (a rating) or "1/2" (a dose).
        r"|\d{1,2}/(?!10\b|100\b)(?<!\b1/)\d{1,2}(?![\d/])"
        r"(?!\s*(?:tab|tablet|pill|pilleri|annos|dose))"
        rf"|\d{{1,2}}\.?\s+(?:{_KUUT})(?:\s+\d{{4}})?"
        # "15. päivä on mun viimenen": the day of this month.
        r"|(?:[12]\d|3[01]|[1-9])\.\s+päiv(?:ä|änä|ään|ästä|älle)\b"
        rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b\.?(?:,?\s+\d{{4}}\b)?"
        # "14th" alone, where a date ends ("on friday 14th at 9"; a weekday joins in _date_span).
        r"|\d{1,2}(?:st|nd|rd|th)\b(?=\s*(?:$|[,.;!?)-]|at\b|and\b|or\b|to\b))",
        I,
    ),
    # Dates led by a word: "syyskuun 14.", "May 3rd", "the 14th", "syyskuusta -09".
    "DATE_WORDS": re.compile(
        rf"\b(?:(?:{_KUUN})\s+\d{{1,2}}\.?(?:\s+päivä\w*)?"
        r"|(?:tammi|helmi|maalis|huhti|touko|kesä|heinä|elo|syys|loka|marras|joulu)kuu\w*"
        r"\s+(?:-|')?\d{2}(?:\d{2})?\b"
        r"|(?:maanantaina|tiistaina|keskiviikkona|torstaina|perjantaina|lauantaina|sunnuntaina)"
        r"\s+\d{1,2}\.(?!\d)"
        rf"|(?:on\s+)?the\s+\d{{1,2}}(?:st|nd|rd|th)(?:\s+of\s+(?:{_MONTHS}))?\b"
        # "the 3rd time", "the 2nd floor" count; they are no dates.
        r"(?!\s+(?:time|times|floor|grade|year|place|attempt|try|session|round|kerta|week|day)\b)"
        r"(?!\s+of\s+(?:us|them|you|those|these|my|the)\b)"  # "the 3rd of us"
        rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?)",
        I,
    ),
    # Finnish lines by letter or by their numeral's nickname: "R-junassa", "kasin ratikka".
    "ROUTE_NICKNAME": re.compile(
        r"\b[A-Za-zÅÄÖåäö]-(?:juna|junalla|junassa|junaan|junasta|junan|junaa)\b"
        r"|\b(?:ykkö|kakko|kolmo|nelo|vito|kuto|seiska|seiskan|kasi|kasin|ysi|ysin|kymppi|kympin)"
        r"\w*\s+(?:ratikka|ratika|bussi|spora|raitiovaunu|linja|metro|dösä)\w*",
        I,
    ),
    # Last: where it finds what a more specific pattern found, that one names it.
    "HANDLE_NAMED": re.compile(
        rf"\b(?:{_HANDLE_WORDS})(?:\s+(?:is|on|oli|=|name|id))?\s*[:=]?\s*"
        r"(?P<id>@?[A-Za-z0-9_][\w.#-]*[A-Za-z0-9_])",
        I,
    ),
}


# What each pattern reports itself as.
_LABELS = {
    "CODE": "RECORD_NUMBER",  # a code is a record number whatever word stood before it
    "EMAIL_WRITTEN": "EMAIL",
    "HANDLE_NAMED": "HANDLE",
    "BIRTH_YEAR": "DATE",
    "DATE_WORDS": "DATE",
    "PLATE_NAMED": "PLATE",
    "POSTCODE_NAMED": "POSTCODE",
    "ROUTE_TAKEN": "ROUTE",
    "ROUTE_THE": "ROUTE",
    "ROUTE_NICKNAME": "ROUTE",
    "PLATE_VEHICLE": "PLATE",
    "ADDRESS_ANY_CASE": "ADDRESS",
}
# Every pattern but these needs a digit, and most texts (replies above all) have
# none: skipping them there is exact and makes an export several times faster.
_WITHOUT_DIGITS = {"EMAIL", "EMAIL_WRITTEN", "URL", "HANDLE", "HANDLE_NAMED", "ROUTE_NICKNAME"}
_DIGIT = re.compile(r"\d")
_PATTERNS_WITHOUT_DIGITS = [(k, p) for k, p in _PATTERNS.items() if k in _WITHOUT_DIGITS]
# A run of letters, digits, underscores, dots and hyphens: a username's shape is read from it.
_RUN = re.compile(r"(?<![\w@#/])[\w.-]*[\d_][\w.-]*")
_AMOUNT = re.compile(r"^\d+(?:[.,]\d+)?[^\W\d_]{1,5}$")  # 50mg, 10pm, 24h, 15v
# Words with digits that name no one.
_COMMON_WITH_DIGITS = frozenset({"covid", "omega", "sars", "vitamin", "mp", "ps", "gta"})


_WEEKDAY_BEFORE = re.compile(rf"\b{_WEEKDAYS}$", I)
_FINNISH_WEEKDAY = re.compile(r"(?:ma|ti|ke|to|pe|la|su)\b", I)
_ON_THE = re.compile(r"(?:on\s+)?(?P<the>the)\s+", I)
_ORDINAL = re.compile(r"\d{1,2}(?:st|nd|rd|th)", I)
_NOT_BEFORE_A_DATE = re.compile(r"(?:[\d.,/]|\b(?:klo|kello|at)\s)$", I)


def _date_span(text: str, start: int, end: int, numeric: bool) -> tuple[int, int] | None:
    """A numeric date's span, with the weekday before it ("ti 14.9."), or None when
    what stands before says it is a number ("37.5", "klo 9.10")."""
    if numeric and _NOT_BEFORE_A_DATE.search(text[max(0, start - 6) : start]):
        return None
    if not numeric and (lead := _ON_THE.match(text, start)):
        # "on the 4th of June" is "4th of June"; "on the 14th" is "the 14th".
        bare_ordinal = _ORDINAL.fullmatch(text, lead.end(), end) is not None
        start = lead.start("the") if bare_ordinal else lead.end()
    weekday = _WEEKDAY_BEFORE.search(text[max(0, start - 24) : start])
    # Finnish "ti 14.9." abbreviates with a dotted date; "moved to 14/9" is English.
    finnish_short = weekday and _FINNISH_WEEKDAY.match(weekday.group())
    if weekday and weekday.group().strip() and not (finnish_short and "." not in text[start:end]):
        start -= len(weekday.group())
    return start, end


def _digits(text: str) -> str:
    return re.sub(r"\W", "", text).upper()


def _shaped_handles(text: str) -> list[Entity]:
    """Usernames by their shape: "darkwolf77", "skyyy_b", "eeli.r_2007", "7KDR219"."""
    found = []
    for match in _RUN.finditer(text):
        run = match.group().strip(".-")
        letters = sum(c.isalpha() for c in run)
        digits = sum(c.isdigit() for c in run)
        lowered = re.sub(r"[\d._-]", "", run.lower())
        if _AMOUNT.match(run) or lowered in _COMMON_WITH_DIGITS:
            continue
        shaped = ("_" in run and letters >= 2) or (letters >= 3 and digits >= 1)
        if shaped and not re.fullmatch(r"\d+(?:st|nd|rd|th)", run, re.I):
            start = match.start() + match.group().index(run)
            found.append(Entity("HANDLE", start, start + len(run), key=_digits(run)))
    return found


_HANDLE_SEPARATOR = re.compile(r"[:=]|\b(?:is|on|oli)\b", I)


def _named_handle_ok(match: re.Match) -> bool:
    """The word after a handle word ("insta: sanna.v", "nimimerkki on kissa") is one
    when the frame says so or the word looks like one ("user of" is no username)."""
    handle = match.group("id")
    between = match.string[match.start() : match.start("id")]
    if re.search(r"[\d_.@#]", handle) or _HANDLE_SEPARATOR.search(between[2:]):
        return True
    # "tiktok crumpetqueen", "snäpissä veerakoo": a word no dictionary or chat knows.
    return not is_ordinary(handle.lower()) and not finnish_readings(handle.lower())


# Patterns that cannot match without a certain word or mark in the text: checking
# that first is exact, and saves running them over the many texts without one.
_DOT_TLD = re.compile(rf"\.\s?(?:{_TLD})\b", I)
# Words an e-mail written out holds: "dot", "piste", or a provider named without its ending.
_WRITTEN_WORDS = frozenset(["dot", "piste", *_MAIL_PROVIDERS.split("|")])
_HANDLE_WORD_SET = frozenset(
    [
        "username",
        "user",
        "handle",
        "nick",
        "nickname",
        "gamertag",
        "tag",
        "insta",
        "instagram",
        "ig",
        "snap",
        "snapchat",
        "discord",
        "twitter",
        "tiktok",
        "telegram",
        "steam",
        "reddit",
        "xbox",
        "psn",
        "twitch",
        "threads",
        "bluesky",
    ]
)


def _possible(kind: str, text: str, words: frozenset[str]) -> bool:
    if kind == "EMAIL":
        return "@" in text
    if kind == "EMAIL_WRITTEN":
        return not words.isdisjoint(_WRITTEN_WORDS) or (
            "." in text and _DOT_TLD.search(text) is not None
        )
    if kind == "URL":
        return (
            "http" in text or "www." in text or ("." in text and _DOT_TLD.search(text) is not None)
        )
    if kind == "HANDLE":
        return "@" in text or "/" in text or "#" in text
    if kind == "ROUTE_NICKNAME":
        lowered = text.lower()
        return any(vehicle in lowered for vehicle in _LINE_VEHICLES)
    if kind == "HANDLE_NAMED":
        return not words.isdisjoint(_HANDLE_WORD_SET) or any(map(_leads_to_a_handle, words))
    return True


# What every ``ROUTE_NICKNAME`` holds ("kasin ratikka", "R-junassa"): a few substring
# checks say whether a text has any, far faster than the pattern's search.
_LINE_VEHICLES = ("ratik", "bussi", "spora", "raitiov", "linja", "metro", "dösä", "-jun")


@lru_cache(maxsize=200_000)
def _leads_to_a_handle(word: str) -> bool:
    """A platform's name in any Finnish case ("instassa", "snäpissä")."""
    return _HANDLE_PREFIX.match(word) is not None


_HANDLE_PREFIX = re.compile(
    "insta|snap|snäp|discord|twitter|tiktok|telegram|steam|reddit|twitch|youtube|kik|whatsapp"
    "|tunnari|käyttäjä|nimimerk",
    I,
)

# The word each frame-led pattern starts from: one scan over a text with digits says
# which of them can match at all, instead of each pattern scanning it in turn.
_LEAD_WORDS = {
    "PLATE_NAMED": r"rekkari|rekisteri|plate|reg|registration",
    "ROOM": _ROOM_WORDS,
    "ROUTE": _ROUTE_WORDS,
    "RECORD_NUMBER": (
        r"MRN|record|chart|patient|policy|insurance|member|case|Kela|Medicaid|Medicare|group"
        r"|ID|potilas|vakuutus|asiakas|henkilö|sairauskertomus|kortti|numero|nro|tunnus"
        r"|lähete|päätös"
    ),
    "BIRTH_YEAR": r"born|syntyny|synnyin|s$",
    "POSTCODE_NAMED": r"zip|post",
    "ROUTE_TAKEN": _TAKING,
    "ROUTE_THE": r"the",
    "PLATE_VEHICLE": r"car|van|truck|lorry|auto|pakettiauto|farmari|rekka|mopo|moottoripyör",
    "DATE_WORDS": (
        rf"the|{_KUUN}|{_MONTHS}|tammi|helmi|maalis|huhti|touko|kesä|heinä|elo|syys|loka|marras"
        r"|joulu|maanantaina|tiistaina|keskiviikkona|torstaina|perjantaina|lauantaina|sunnuntaina"
    ),
}
_LEADS = {kind: re.compile(rf"(?:{lead})", I) for kind, lead in _LEAD_WORDS.items()}


@lru_cache(maxsize=200_000)
def _kinds_led_by(word: str) -> frozenset[str]:
    """The frame-led patterns ``word`` (a text's word, lower case) can start."""
    return frozenset(kind for kind, lead in _LEADS.items() if lead.match(word))


# A stretch that could hold a phone number: seven digits or more, with separators.
_PHONE_STRETCH = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")


def find_structured(text: str, words: frozenset[str] | None = None) -> list[Entity]:
    """Every identifier with a shape; ``words`` (the text's words, lower case) if known."""
    if words is None:
        words = frozenset(map(str.lower, re.findall(r"[^\W\d_]+", text)))
    found: list[Entity] = []
    digit_count = len(_DIGIT.findall(text))
    leads = frozenset().union(*map(_kinds_led_by, words)) if digit_count else frozenset()
    for kind, pattern in _PATTERNS.items() if digit_count else _PATTERNS_WITHOUT_DIGITS:
        if kind in _LEAD_WORDS and kind not in leads:
            continue
        if not _possible(kind, text, words):
            continue
        for match in pattern.finditer(text):
            if kind == "HANDLE_NAMED" and not _named_handle_ok(match):
                continue
            group = "id" if "id" in pattern.groupindex else 0
            start, end = match.span(group)
            if kind in ("DATE", "DATE_WORDS"):
                if (span := _date_span(text, start, end, kind == "DATE")) is None:
                    continue
                start, end = span
            label = _LABELS.get(kind, kind)
            found.append(Entity(label, start, end, key=_digits(match.group(group))))
    if digit_count or "_" in text:
        found += _shaped_handles(text)
    if digit_count >= MIN_PHONE_DIGITS:
        found += _phones(text)
        found += _long_numbers(text)
    if digit_count:
        found += _unexplained_numbers(text)
    return found


# A number nothing around explains. Doses, times, counts and ratings come with
# their unit, their noun or their "klo" ("50 mg", "3 days", "klo 14.30", "7/10");
# a bare number with none of those ("it's 46a", "mun numero on 4412") is taken for
# an identifier: the goal is that nothing with a digit leaks, and a lost number in
# a sentence costs less than a leaked one.
_NUMBER = re.compile(
    r"(?<![\w.,:/@-])#?[A-Za-z]?\d+(?:[.,:/-]\d+)*[A-Za-z]?(?::[a-zåäö]{1,4})?(?![\w@])"
)
# Words that say nothing about a number before them: "the 38 and", "550 ei tullu".
_NOT_A_UNIT = frozenset(
    [
        "and",
        "or",
        "at",
        "to",
        "in",
        "on",
        "from",
        "the",
        "a",
        "an",
        "is",
        "was",
        "but",
        "so",
        "then",
        "ja",
        "tai",
        "ei",
        "on",
        "oli",
        "ku",
        "kun",
        "mut",
        "et",
        "ettei",
        "jo",
        "vielä",
        "se",
        "ne",
    ]
)
_EXPLAINED_BEFORE = re.compile(
    r"(?:\b(?:klo|kello|at|about|around|noin|n|approx|~|till|until|from|to|by|over|under"
    r"|yli|alle|kohta|ikä|age|aged|olen|oon|i'm|im|am)\.?\s*|[€$£~+])$",
    I,
)
_EXPLAINED_AFTER = re.compile(r"^\s*(?:[^\W\d_]|%|€|\$|£|°|\+|-?v\b)", I)
_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_RATING = re.compile(r"^\d{1,2}/(?:10|100|5)$|^1/2$|^\d{1,2}[:.]\d{2}$")


def _unexplained_numbers(text: str) -> list[Entity]:
    found = []
    for match in _NUMBER.finditer(text):
        number = match.group()
        if sum(c.isdigit() for c in number) == 1 and number.isdigit():
            continue  # "3 and 4", "page 2": a single digit identifies no one
        if _YEAR.match(number) or _RATING.match(number):
            continue
        before = text[max(0, match.start() - 12) : match.start()]
        following = _NEXT_WORD.match(text, match.end())
        # A count takes a noun after it ("3 days"); a line or room written "x4" or
        # "61:een" does not become one by the word after it.
        countable = number[0].isdigit() and ":" not in number
        explained_after = (
            countable
            and _EXPLAINED_AFTER.match(text[match.end() : match.end() + 3])
            and not (following and following.group(1).lower() in _NOT_A_UNIT)
        )
        if _EXPLAINED_BEFORE.search(before) or explained_after:
            continue
        found.append(Entity("NUMBER", match.start(), match.end(), key=_digits(number)))
    return found


# Eight digits or more in one number, with or without separators: whatever else
# found it or not, nothing a patient writes with that many digits is anything but
# an identifier (a dose, a time or an amount has fewer).
_LONG_NUMBER = re.compile(r"(?<![\w.,])\d(?:[\s.-]?\d){7,}(?![\w,])")


def _long_numbers(text: str) -> list[Entity]:
    return [
        Entity("RECORD_NUMBER", m.start(), m.end(), key=_digits(m.group()))
        for m in _LONG_NUMBER.finditer(text)
    ]


def _phones(text: str) -> list[Entity]:
    """Phone numbers (phonenumbers), read only where a stretch of text could hold one:
    the matcher is the slowest part of this module, and most of a text is words."""
    found = []
    for stretch in _PHONE_STRETCH.finditer(text):
        if len(_DIGIT.findall(stretch.group())) < MIN_PHONE_DIGITS:
            continue
        # A little before it too: "+" and "(" belong to the number.
        offset = max(0, stretch.start() - 2)
        window = text[offset : stretch.end() + 1]
        digits = len(_DIGIT.findall(window))
        for region in PHONE_REGIONS:
            # POSSIBLE, not VALID: a number from a range not yet allocated (or a
            # made-up one) still identifies whoever wrote it down.
            matcher = phonenumbers.PhoneNumberMatcher(
                window, region, leniency=phonenumbers.Leniency.POSSIBLE
            )
            covered = 0
            for match in matcher:
                # A year or an amount is "possible" too; a phone number has seven digits or more.
                if (length := len(_DIGIT.findall(match.raw_string))) >= MIN_PHONE_DIGITS:
                    start, end = offset + match.start, offset + match.end
                    found.append(Entity("PHONE", start, end, key=_digits(match.raw_string)))
                    covered += length
            if covered == digits:
                break  # every digit of the stretch is in a number: other regions add nothing
    return found


def is_valid_hetu(value: str) -> bool:
    """Whether a henkilötunnus's check character is right (python-stdnum)."""
    return hetu.is_valid(_digits(value[:6]) + value.strip()[6:].replace(" ", "").upper())
