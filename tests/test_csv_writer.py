"""The shared CSV writer: formula-safe cells, UTF-8 with BOM, download headers, streaming."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from partnerportal.csv import (
    csv_lines,
    csv_response,
    csv_safe_cell,
    csv_streaming_response,
)


@pytest.mark.parametrize(
    "value",
    ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
     "=cmd|' /C calc'!A0", "\uff1d1+1", "\uff20SUM(A1)"],
)
def test_a_cell_that_starts_like_a_formula_gets_a_leading_quote(value):
    assert csv_safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "cell"),
    [("Acme GmbH", "Acme GmbH"), ("a=b", "a=b"), ("", ""), (None, ""), (42, "42"),
     (-5, "-5"), (Decimal("-1234.50"), "-1234.50"), (1.5, "1.5"),
     (datetime.date(2026, 11, 30), "2026-11-30"),
     (datetime.datetime(2026, 11, 30, 8, 5, tzinfo=datetime.UTC), "2026-11-30T08:05:00+00:00"),
     (" =1", " =1")],
)
def test_other_values_are_written_as_they_are(value, cell):
    assert csv_safe_cell(value) == cell


def test_the_file_starts_with_a_bom_and_every_cell_header_included_is_made_safe():
    text = "".join(csv_lines(["name", "=evil"], [["=1+1", -3], ['say "hi", then\nleave', None]]))

    assert text.startswith("\ufeff")
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["name", "'=evil"], ["'=1+1", "-3"], ['say "hi", then\nleave', ""]]


def test_the_response_is_an_utf8_attachment_nobody_caches():
    response = csv_response(filename="deals 2026-11 é.csv", header=["company"],
                            rows=[["Müller & Söhne"], ["@risk"]])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''deals%202026-11%20%C3%A9.csv")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response.content == "\ufeffcompany\r\nMüller & Söhne\r\n'@risk\r\n".encode()


def test_the_streaming_response_reads_rows_only_while_it_is_sent():
    read = []

    def rows():
        for number in range(3):
            read.append(number)
            yield [number, f"=row {number}"]

    response = csv_streaming_response(filename="big.csv", header=["n", "text"], rows=rows())

    assert read == []
    assert response["Content-Disposition"] == 'attachment; filename="big.csv"'
    body = b"".join(response.streaming_content)
    assert read == [0, 1, 2]
    assert body.decode("utf-8-sig").splitlines() == [
        "n,text", "0,'=row 0", "1,'=row 1", "2,'=row 2"]
