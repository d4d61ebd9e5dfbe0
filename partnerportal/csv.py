"""The one CSV writer for every file the product hands out (exports, bad-row reports).

Every cell goes through `csv_safe_cell`, so text that a partner, a customer or a CRM file
wrote can never run as a spreadsheet formula when the file is opened in Excel, LibreOffice
or Google Sheets (OWASP "CSV injection"). Files are UTF-8 with a byte-order mark, which Excel
needs to read accents correctly, and CRLF line ends.

Use `csv_response` for small files built in memory and `csv_streaming_response` for exports
that may be large (pass an iterator, e.g. `queryset.iterator()`); `csv_lines` is the shared
generator for anything else (a file on disk, an e-mail attachment).
"""

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"

# A cell starting with one of these is read as a formula (or a DDE call) by some spreadsheet.
# Tab and CR are on OWASP's list because spreadsheets skip them before looking for "=";
# the full-width forms are read as their ASCII twins by Excel with East Asian input.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe_cell(value: object) -> str:
    """`value` as the text of one CSV cell that no spreadsheet will run as a formula.

    Text starting with = + - @ tab or CR (or full-width = + - @) gets a leading single quote,
    as OWASP advises: spreadsheets show the text as written instead of evaluating it. Numbers
    are written as they are (-5 stays a number: a number cannot hold a formula), dates and
    times in ISO 8601, None as an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object whose write() hands back the line csv.writer formatted."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The file as text lines: the BOM, the header, then each row, every cell made safe."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([csv_safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe_cell(cell) for cell in row])


def _as_attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Exports hold personal and commercial data: no shared cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)


def csv_response(
    *, filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A download of `rows` under `header`, built in memory (for files of modest size)."""
    response = HttpResponse("".join(csv_lines(header, rows)), content_type=CONTENT_TYPE)
    _as_attachment(response, filename)
    return response


def csv_streaming_response(
    *, filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A download that writes each row as it is produced: pass an iterator for big exports.

    The rows are read while the response is sent, after the view has returned: read them
    from a queryset's `.iterator()` (scoped to the partner before the view returns), not
    from anything that needs the view's transaction.
    """
    response = StreamingHttpResponse(
        (line.encode() for line in csv_lines(header, rows)), content_type=CONTENT_TYPE
    )
    _as_attachment(response, filename)
    return response
