"""The JSON-lines protocol other tools rely on: one object in, one object out, same id.

Input lines are ``{"id", "text", "lang"?}``. A line that cannot be read gets an
``{"id", "error"}`` line back and the stream goes on; nothing is skipped silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO


def _problem(data: object) -> str | None:
    if not isinstance(data, dict):
        return "expected a JSON object"
    if "id" not in data:
        return "missing id"
    if not isinstance(data.get("text"), str):
        return "text must be a string"
    lang = data.get("lang")
    if lang is not None and not isinstance(lang, str):
        return "lang must be a string"
    return None


def process_lines(
    lines: Iterable[str], out: IO[str], handle: Callable[[str, str | None], dict]
) -> int:
    """Answer every non-blank line; returns how many lines had errors."""
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            data, problem = {}, f"line {number}: not valid JSON"
        else:
            problem = _problem(data)
        if problem is None:
            answer = {"id": data["id"], **handle(data["text"], data.get("lang"))}
        else:
            errors += 1
            answer = {"id": data.get("id") if isinstance(data, dict) else None, "error": problem}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
    return errors
