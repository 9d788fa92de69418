"""Reading an annotation batch: JSONL or CSV rows of a prompt and its optional history.

JSONL: one object a line, ``{"prompt": "...", "history": [{"role": "user"|"assistant",
"content": "..."}], "id": "...", "gold": {...}}``; CSV: columns ``prompt``, optional
``history`` (the same list, as JSON), ``id`` and ``gold`` (as JSON). ``gold`` marks a
gold item (``reviewapp.calibration``). Errors name the line, never quote the text.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from reviewapp.calibration import gold_clean
from reviewapp.decision_input import clean_text
from reviewapp.errors import InvalidInput

HISTORY_ROLES = ("user", "assistant")


@dataclass(frozen=True)
class ImportRow:
    prompt: str
    history: list[dict[str, str]] = field(default_factory=list)
    external_id: str = ""
    gold: dict | None = None  # the agreed correct decision (reviewapp.calibration)


def _text(value: object, what: str, bad) -> str:
    try:
        return clean_text(value if isinstance(value, str) else "", what=what)
    except InvalidInput as exc:
        raise bad(str(exc)) from None


def _row(data: object, line: int) -> ImportRow:
    def bad(problem: str) -> InvalidInput:
        return InvalidInput(_("Line %(line)s: %(problem)s") % {"line": line, "problem": problem})

    if not isinstance(data, dict):
        raise bad(_("expected an object with a prompt."))
    unknown = set(data) - {"prompt", "history", "id", "gold"}
    if unknown:
        raise bad(_("unknown field(s) %s.") % ", ".join(sorted(unknown)))
    history = data.get("history") or []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError:
            raise bad(_("history is not valid JSON.")) from None
    if not isinstance(history, list):
        raise bad(_("history must be a list of turns."))
    turns = []
    for turn in history:
        if not isinstance(turn, dict) or turn.get("role") not in HISTORY_ROLES:
            raise bad(_("each history turn needs a role, user or assistant, and content."))
        content = _text(turn.get("content"), _("A history turn"), bad)
        turns.append({"role": turn["role"], "content": content})
    prompt = _text(data.get("prompt"), _("The prompt"), bad)
    external_id = data.get("id")
    gold = data.get("gold")
    if isinstance(gold, str):  # a CSV cell holds it as JSON
        try:
            gold = json.loads(gold)
        except json.JSONDecodeError:
            raise bad(_("gold is not valid JSON.")) from None
    if gold is not None:
        try:
            gold = gold_clean(gold)
        except InvalidInput as exc:
            raise bad(str(exc)) from None
    return ImportRow(
        prompt=prompt, history=turns, external_id=str(external_id or "")[:200], gold=gold
    )


def _jsonl_rows(text: str):
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise InvalidInput(_("Line %(line)s is not valid JSON.") % {"line": line}) from None
        yield line, data


def _csv_rows(text: str):
    # Strict: a quote left open would otherwise swallow every line after it into
    # one prompt, and a stray quote inside quoted text would end the cell early.
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        fieldnames = reader.fieldnames
    except csv.Error:
        raise _malformed_csv(1, "") from None
    if not fieldnames or "prompt" not in fieldnames:
        raise InvalidInput(_("A CSV file needs a header row with a prompt column."))
    while True:
        starts_at = reader.line_num + 1
        try:
            data = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _malformed_csv(starts_at, str(exc)) from None
        # The header is line 1; DictReader counts physical lines for multi-line cells.
        if None in data:
            # More cells than the header names: an unquoted comma in a prompt.
            raise InvalidInput(
                _("Line %(line)s has more fields than the header; quote text with commas.")
                % {"line": reader.line_num}
            )
        yield reader.line_num, {k: v for k, v in data.items() if v != ""}


def _malformed_csv(line: int, problem: str) -> InvalidInput:
    # csv's own message names the character it expected, never the text around it.
    if "unexpected end of data" in problem:
        return InvalidInput(
            _("Line %(line)s opens a quoted field that is never closed.") % {"line": line}
        )
    return InvalidInput(
        _(
            "Line %(line)s is not valid CSV: put text with commas or line breaks in double "
            "quotes, and double every quote inside it."
        )
        % {"line": line}
    )


def parse_annotation_file(content: bytes, *, filename: str) -> list[ImportRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text.")) from None
    reader = _csv_rows if filename.lower().endswith(".csv") else _jsonl_rows
    rows = [_row(data, line) for line, data in reader(text)]
    if not rows:
        raise InvalidInput(_("The file holds no prompts."))
    limit = settings.COUNTERSIGN["ANNOTATION_MAX_ITEMS"]
    if len(rows) > limit:
        raise InvalidInput(_("A batch holds at most %(limit)s prompts.") % {"limit": limit})
    return rows
