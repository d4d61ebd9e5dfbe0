"""Reading an uploaded CSV: size and content checks, encoding, delimiter and header.

UTF-8 with or without BOM is read first; a file that is not valid UTF-8 is read as
Windows-1252, then Latin-1 (which decodes anything). UTF-16 with a BOM (Excel's "Unicode
text") is read too. The delimiter is the one of comma, semicolon and tab that the header
line uses most.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.imports.columns import Column, CrmFileError, map_header

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_HEAD_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024
_BINARY_MAGIC = {
    b"PK\x03\x04": gettext_lazy("an Excel workbook or ZIP archive"),
    b"\xd0\xcf\x11\xe0": gettext_lazy("an Excel 97-2003 workbook"),
    b"%PDF": gettext_lazy("a PDF document"),
    b"\x1f\x8b": gettext_lazy("a gzip archive"),
}


def max_file_bytes() -> int:
    """The upload size limit (setting `CRM_IMPORT_MAX_BYTES`, 50 MB by default)."""
    return int(getattr(settings, "CRM_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclasses.dataclass
class SourceRow:
    """One CSV record: the line it starts on, its values by column name, or an error."""

    line: int
    values: dict[str, str]
    error: str = ""


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decode_head(head: bytes) -> str:
    if head.startswith(_UTF16_BOMS):
        return codecs.getincrementaldecoder("utf-16")(errors="replace").decode(head)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace")


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(first_line: str, kind: str) -> tuple[str, list[Column | None]]:
    """The delimiter and the column of each header cell."""
    first_line = first_line.rstrip("\r\n")
    delimiter = _sniff_delimiter(first_line)
    cells = next(csv.reader([first_line], delimiter=delimiter), [])
    return delimiter, map_header(cells, kind)


def _check_head(head: bytes, *, kind: str) -> None:
    """Refuse an empty or binary file, or one whose header lacks a required column."""
    if not head.strip():
        raise CrmFileError(_("The file is empty."))
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise CrmFileError(
                _("This file is %(what)s, not CSV. Save it as “CSV UTF-8” and "
                  "upload that.") % {"what": what}
            )
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        raise CrmFileError(_("This file is not a CSV text file."))
    lines = _decode_head(head).splitlines()
    _header(lines[0] if lines else "", kind)


def check_file(uploaded_file: File, *, kind: str) -> None:
    """Refuse, before anything is stored, a file over the size limit, an empty or binary
    one, or one whose header lacks the kind's required columns. Raises CrmFileError."""
    if uploaded_file.size is not None and uploaded_file.size > max_file_bytes():
        raise CrmFileError(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": max_file_bytes() // (1024 * 1024)}
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(_HEAD_BYTES)
    uploaded_file.seek(0)
    _check_head(head, kind=kind)


def _detect_encoding(stream: IO[bytes]) -> tuple[str, int]:
    """The first encoding that decodes the whole file, and an upper bound of its number
    of lines (for the progress bar): UTF-16 when it has that BOM; else UTF-8 with or
    without BOM, Windows-1252, Latin-1."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(_UTF16_BOMS):
        candidates = ["utf-16", "latin-1"]
    else:
        candidates = ["utf-8-sig", "cp1252", "latin-1"]
    for encoding in candidates:  # Latin-1 decodes any bytes, so the loop always returns
        decoder, lines, last = codecs.getincrementaldecoder(encoding)(), 0, b""
        try:
            while chunk := stream.read(_CHUNK_BYTES):
                decoder.decode(chunk)
                lines += max(chunk.count(b"\n"), chunk.count(b"\r"))
                last = chunk[-1:]
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
        return encoding, lines + (1 if last not in (b"\n", b"\r", b"") else 0)
    raise AssertionError("unreachable: Latin-1 decodes any bytes")


@dataclasses.dataclass
class CsvFile:
    """An opened CSV file: its dialect, columns and an estimate of its row count."""

    text: io.TextIOWrapper
    delimiter: str
    columns: list[Column | None]
    estimated_rows: int

    def rows(self) -> Iterator[SourceRow]:
        """Each non-blank record after the header, numbered by the line it starts on."""
        reader = csv.reader(self.text, delimiter=self.delimiter)
        next(reader, None)
        line_end = reader.line_num
        width = len(self.columns)
        while True:
            start = line_end + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a field over csv.field_size_limit()
                line_end = reader.line_num
                yield SourceRow(start, {}, _("cannot be read as CSV: %s") % error)
                continue
            line_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != width:
                reason = _("expected %(width)d fields, found %(found)d") % {
                    "width": width, "found": len(record)}
                yield SourceRow(start, {}, reason)
                continue
            pairs = zip(self.columns, record, strict=True)
            values = {column.name: cell.strip() for column, cell in pairs if column}
            yield SourceRow(start, values)


def read_csv(stream: IO[bytes], *, kind: str) -> CsvFile:
    """Open a binary, seekable CSV stream: find encoding and delimiter, map the header.

    Raises CrmFileError when the file is empty, binary or lacks a required column.
    """
    _check_head(stream.read(_HEAD_BYTES), kind=kind)
    stream.seek(0)
    encoding, lines = _detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    delimiter, columns = _header(text.readline(), kind)
    text.seek(0)
    return CsvFile(text, delimiter, columns, estimated_rows=max(lines - 1, 0))
