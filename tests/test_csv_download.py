"""CSV downloads: a BOM for Excel, a safe filename, and no formulas smuggled in."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from reviewapp.lib.csv_download import cell, csv_response, safe_filename


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def read_back(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(download(response).decode("utf-8-sig"), newline="")))


def test_it_starts_with_a_bom_and_the_header_so_excel_reads_finnish_right():
    response = csv_response("rates", ["Versio", "Hyväksytty"], [["v1", 0.62]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = download(response)
    assert body.startswith(b"\xef\xbb\xbfVersio,Hyv\xc3\xa4ksytty\r\n")
    assert body.endswith(b"v1,0.62\r\n")


def test_it_defuses_text_that_a_spreadsheet_would_run_as_a_formula():
    rows = [["=1+1", "-foo", "+SUM(A1)", "@cmd", "\tx", "\rx", "a=b", "ok"]]
    [_header, written] = read_back(csv_response("x", ["a"] * 8, rows))
    assert written == ["'=1+1", "'-foo", "'+SUM(A1)", "'@cmd", "'\tx", "'\rx", "a=b", "ok"]


def test_it_escapes_the_header_too():
    [header, _row] = read_back(csv_response("x", ["=HYPERLINK()"], [[1]]))
    assert header == ["'=HYPERLINK()"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (-3.5, "-3.5"),
        (-3, "-3"),
        (Decimal("-2.50"), "-2.50"),
        (0.1 + 0.2, "0.3"),
        (2 / 3, "0.666667"),
        (1234567.0, "1234570"),
        (1e-7, "0.0000001"),
        (2.0, "2"),
        (None, ""),
        (float("-inf"), "'-inf"),
        ("-3.5", "'-3.5"),
    ],
)
def test_it_writes_numbers_as_numbers_and_none_as_empty(value, written):
    """A negative number stays a number; only text that starts with a minus is defused."""
    assert cell(value) == written


def test_it_streams_rows_from_a_lazy_iterator():
    rows = ([n, n * 0.5, None] for n in range(3))
    assert read_back(csv_response("x", ["n", "half", "none"], rows))[1:] == [
        ["0", "0", ""],
        ["1", "0.5", ""],
        ["2", "1", ""],
    ]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Hyväksyntä 2024/05.csv", "hyvaksynta-2024-05.csv"),
        ('../../etc/passwd"; x=.csv', "etc-passwd-x.csv"),
        ("rates.CSV", "rates.csv"),
        ("tiny-llama v2_weekly", "tiny-llama-v2-weekly.csv"),
        ("///", "export.csv"),
        ("", "export.csv"),
    ],
)
def test_it_gives_the_download_a_safe_ascii_filename(name, safe):
    assert safe_filename(name) == safe
    response = csv_response(name, ["a"], [])
    assert response["Content-Disposition"] == f'attachment; filename="{safe}"'
