"""Invisible characters: shown to clinicians, removed from the patient's own text.

Bidirectional controls reorder what follows them (an override can make
"kill" read "llik", an isolate can hide where a sentence ends) and zero-width
characters hide inside words. A clinician must see the text as sent: in a patient
message every such character becomes a visible, named marker (``⟨U+202E⟩``); a
candidate reply keeps its text (the edit box starts from it) and is flagged with
the characters it holds, so what a clinician signs is what the patient gets. On
the patient's own page their messages lose the reordering controls; the joiners
that scripts and emoji need are kept.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

# Controls that change the order or direction text is drawn in.
BIDI_CONTROLS = (
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, POP DIRECTIONAL FORMATTING, overrides
    "\u2066\u2067\u2068\u2069"  # isolates (LRI, RLI, FSI) and POP DIRECTIONAL ISOLATE
)
# Characters with no width: invisible where they stand.
ZERO_WIDTH_SPACES = (
    "\u200b"  # ZERO WIDTH SPACE
    "\u2060"  # WORD JOINER
    "\ufeff"  # ZERO WIDTH NO-BREAK SPACE (byte order mark)
)
# Zero-width too, but part of some scripts' spelling (Persian, Indic) and of emoji
# sequences: shown to clinicians, kept for the patient.
JOINERS = "\u200c\u200d"  # ZERO WIDTH NON-JOINER, ZERO WIDTH JOINER

_HIDDEN = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH_SPACES}{JOINERS}]")
_REMOVED_FOR_PATIENT = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH_SPACES}]")


@register.filter
def show_hidden(text) -> SafeString:
    """``text`` escaped, each hidden character drawn as a marker naming it."""
    label = escape(_("Hidden character"))
    html = escape(str(text or ""), quote=True)

    def marker(match: re.Match) -> str:
        char = match.group()
        name = unicodedata.name(char, "")
        return (
            f'<span class="hidden-char" title="{label}: {escape(name)}">⟨U+{ord(char):04X}⟩</span>'
        )

    return mark_safe(_HIDDEN.sub(marker, html))  # noqa: S308 - escaped above


@register.filter
def without_reordering(text) -> str:
    """``text`` without the characters that could reorder or hide what the patient sees
    (autoescaped by the template as before)."""
    return _REMOVED_FOR_PATIENT.sub("", str(text or ""))


@register.filter
def hidden_names(text) -> list[str]:
    """The hidden characters in ``text``, each once, as ``U+200B ZERO WIDTH SPACE``."""
    found = dict.fromkeys(_HIDDEN.findall(str(text or "")))
    return [f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip() for char in found]
