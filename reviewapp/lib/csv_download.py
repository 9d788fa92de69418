"""CSV downloads that open right in Excel and cannot smuggle formulas into it.

The file starts with a UTF-8 byte-order mark, without which Excel reads it in the
local code page and garbles Finnish letters. Text cells that a spreadsheet would
run as a formula get a leading apostrophe (OWASP's advice on CSV injection);
numbers are written as numbers, so -3.5 stays a number.
"""

from __future__ import annotations

import csv
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

BOM = "\ufeff"
# What a spreadsheet reads as the start of a formula (or a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SIGNIFICANT_DIGITS = 6


def csv_response(
    filename: str, header: list[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """Stream ``header`` and ``rows`` as ``<slug>.csv``; rows may be a lazy iterator."""
    response = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, safe_filename(filename))
    return response


def safe_filename(name: str) -> str:
    """An ASCII slug with .csv on the end: "Hyväksyntä 2024/05.csv" -> "hyvaksynta-2024-05.csv"."""
    stem = re.sub(r"\.csv$", "", name, flags=re.IGNORECASE)
    # Every run of punctuation becomes a space first: slugify would drop "/" and "."
    # and glue the words on either side together.
    slug = slugify(re.sub(r"[\W_]+", " ", stem))[:100].strip("-")
    return f"{slug or 'export'}.csv"


def cell(value: object) -> str:
    """One value as CSV text: None empty, numbers as numbers, risky text defused."""
    if value is None:
        return ""
    if isinstance(value, numbers.Integral | Decimal):
        return str(value)
    if isinstance(value, numbers.Real) and math.isfinite(value):
        # Six significant digits, written out in full: 1234567.0 -> 1234570, not 1.23457e+06.
        return format(Decimal(f"{value:.{SIGNIFICANT_DIGITS}g}"), "f")
    text = str(value)  # text, or a float no spreadsheet reads as a number (nan, inf)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object whose write() hands back what it was given, so csv.writer
    can produce one line at a time for streaming."""

    def write(self, text: str) -> str:
        return text


def _lines(header: list[str], rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([cell(name) for name in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])
