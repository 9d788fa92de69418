"""Known failure patterns of a profile's model, checked on every candidate.

A match flags the candidate with the reason, shown to the clinician; nothing is
dropped. A pattern counts only when the conversation did not bring it up: a
patient who says they are 35 may be called 35.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FLAGS = re.IGNORECASE | re.UNICODE


def gettext_noop(message: str) -> str:
    """Marks a reason for translation (``makemessages`` finds it by this name); the
    review page shows it in the reviewer's language, the stored flag keeps the English.

    Not Django's: that one reads the settings, and the engine (and the benchmarks
    that load it) run without Django configured.
    """
    return message


@dataclass(frozen=True)
class PostFilter:
    reason: str
    in_candidate: re.Pattern
    # If the patient's side of the conversation matches this, the candidate's
    # mention is supported, not assumed.
    supported_by: re.Pattern


POST_FILTERS: dict[str, PostFilter] = {
    "assumed_age": PostFilter(
        reason=gettext_noop("assumes an age the patient has not given (30-40 years old)"),
        in_candidate=re.compile(
            r"\b(30|thirty|kolmekymmentä)\s*(-|–|to|or|tai)\s*(40|forty|neljäkymmentä)"
            r"|\b(30|40)\W?(-|–)?\s*(vuotia|vuotias|years?[ -]old)"
            r"|\bin your (thirties|forties)\b|\bkolmekymppi|\bnelikymppi",
            FLAGS,
        ),
        supported_by=re.compile(r"\b\d{2}\s*(-?vuotia|v\b|years?\b|yo\b)|\bikä|\bage\b", FLAGS),
    ),
    "unprompted_24_7": PostFilter(
        reason=gettext_noop(
            "mentions round-the-clock (24/7) work or stress the patient did not mention"
        ),
        in_candidate=re.compile(
            r"24\s*/\s*7|24 hours a day|round the clock|ympäri vuorokauden|kellon ympäri", FLAGS
        ),
        supported_by=re.compile(
            r"24\s*/\s*7|24 hours|round the clock|ympäri vuorokauden|kellon ympäri|yövuoro|"
            r"night shift|vuorotyö|shift work",
            FLAGS,
        ),
    ),
    "assumed_relationship": PostFilter(
        reason=gettext_noop("assumes a long-term relationship the patient has not mentioned"),
        in_candidate=re.compile(
            r"\byour (partner|spouse|husband|wife|boyfriend|girlfriend|relationship)\b"
            r"|\blong[- ]term relationship\b"
            r"|\b(kumppani|puoliso|aviomie|vaimo|poikaystävä|tyttöystävä|parisuhte)\w*",
            FLAGS,
        ),
        supported_by=re.compile(
            r"\b(partner|spouse|husband|wife|boyfriend|girlfriend|married|relationship)\b"
            r"|\b(kumppani|puoliso|mie[hs]|vaimo|poikaystävä|tyttöystävä|parisuhte|naimisi)\w*",
            FLAGS,
        ),
    ),
}


# Never matches: a check that no patient statement can make acceptable.
_NOTHING = re.compile(r"(?!)")

POST_FILTERS.update(
    {
        "unsupported_diagnosis": PostFilter(
            reason=gettext_noop("names a diagnosis the patient has not been given"),
            in_candidate=re.compile(
                r"\b(you (have|are suffering from|'ve got|suffer from|might have|probably have)"
                r"|sounds like you have)(\s+(an?|clinical|severe|major))*\s+"
                r"(depression|bipolar|ptsd|adhd|ocd|anxiety disorder|borderline|schizophrenia"
                r"|(eating|personality|panic) disorder)"
                r"|\byou are (clearly |probably )?(depressed|bipolar|autistic)\b"
                r"|\b(sinulla on|sulla on|kärsit|sinulla saattaa olla)\s+"
                r"(masennus|kaksisuuntai|paniikkihäiri|ahdistuneisuushäiri|syömishäiri"
                r"|persoonallisuushäiri|skitsofreni|adhd|ptsd|traumaperäi)\w*",
                FLAGS,
            ),
            supported_by=re.compile(
                r"diagnos|been told i have|todettu|diagnoosi|lääkäri sanoi", FLAGS
            ),
        ),
        "medication_advice": PostFilter(
            reason=gettext_noop("gives prescription or dosage advice"),
            in_candidate=re.compile(
                r"\b\d+(\.\d+)?\s?(mg|milligrams?|mcg|µg)\b"
                r"|\b(take|try|increase|double|stop taking|reduce|lower|skip|raise)\s+(your\s+)?"
                r"(dose|dosage|medication|meds|pills|tablets|antidepressants?|sertraline"
                r"|escitalopram|fluoxetine|melatonin|lorazepam|diazepam|quetiapine)"
                r"|\b(ota|lopeta|nosta|lisää|vähennä|tuplaa|kokeile)\s+(lääke|lääkitys|annos"
                r"|masennuslääke|unilääke|pilleri|tabletti|melatoniini)\w*",
                FLAGS,
            ),
            supported_by=_NOTHING,
        ),
        "unkeepable_promise": PostFilter(
            reason=gettext_noop("promises availability the service cannot keep"),
            in_candidate=re.compile(
                r"\b(i'?m|i am|i'll be|i will be|we are|we're) (always|here) (here )?for you\b"
                r"|\balways here\b|\bany ?time,? day or night\b"
                r"|\b(here|available|reach (me|us))( for you)?,? 24\s*/\s*7"
                r"|\bolen aina (täällä|tukenasi|tavoitettavissa)|\baina tavoitettavissa"
                r"|\bmilloin tahansa,? (yöllä|päivällä)"
                r"|\b(tavoitettavissa|täällä|saatavilla) ympäri vuorokauden",
                FLAGS,
            ),
            supported_by=_NOTHING,
        ),
        "assumed_gender": PostFilter(
            reason=gettext_noop("assumes a gender the patient has not given"),
            in_candidate=re.compile(
                r"\bas a (man|woman|guy|girl|mother|father|mom|mum|dad)\b"
                r"|\b(young|old|strong|brave) (man|woman|lady|guy|girl)\b"
                r"|\b(miehenä|naisena|äitinä|isänä)\b|\b(nuori|vahva) (mies|nainen)\b",
                FLAGS,
            ),
            supported_by=re.compile(
                r"\b(man|woman|guy|girl|boy|male|female|mother|father|mom|mum|dad|wife|husband)\b"
                r"|\b(mies|nainen|poika|tyttö|äiti|isä|mies\w*|nais\w*)\b",
                FLAGS,
            ),
        ),
        "assumed_age_general": PostFilter(
            reason=gettext_noop("assumes an age the patient has not given"),
            in_candidate=re.compile(
                r"\bat your age\b|\b(young|old) (people|person|adults?) like you\b"
                r"|\bin your (teens|twenties|thirties|forties|fifties|sixties)\b"
                r"|\bsinun iässäsi\b|\bsun iässä\b|\bteini-iässä\b",
                FLAGS,
            ),
            supported_by=re.compile(
                r"\b\d{2}\s*(-?vuotia|v\b|years?\b|yo\b)|\bikä|\bage\b|teen|retired|eläkkeel",
                FLAGS,
            ),
        ),
    }
)

# Checked on every candidate of every profile; a profile's own filters come on top.
CANDIDATE_CHECKS = (
    "unsupported_diagnosis",
    "medication_advice",
    "unkeepable_promise",
    "assumed_gender",
    "assumed_age_general",
    "assumed_relationship",
)


def flags_for(text: str, *, filters: tuple[str, ...], turns: list[dict[str, str]]) -> list[dict]:
    """The flags ``text`` earns under the checks and ``filters``, given what the patient said."""
    patient_said = "\n".join(t["content"] for t in turns if t["role"] == "user")
    flags = []
    for name in dict.fromkeys((*CANDIDATE_CHECKS, *filters)):
        rule = POST_FILTERS[name]
        match = rule.in_candidate.search(text)
        if match and not rule.supported_by.search(patient_said):
            flags.append({"filter": name, "reason": rule.reason, "match": match.group()})
    return flags


def unknown_filters(names) -> list[str]:
    return sorted(set(names) - set(POST_FILTERS))
