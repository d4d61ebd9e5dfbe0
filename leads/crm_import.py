"""Importing the vendor's CRM accounts and opportunities from CSV files.

Two ways in, one code path: the `import_crm` management command (synchronous) and the
staff upload page (a worker runs it). Both create a `CrmImport` row with
`crm_import_create` and run it with `crm_import_run`, which reads the stored file with
`read_csv` and hands the rows to `import_rows`.

Rules the code keeps:

* Upsert by `external_id`. A row whose every field already holds the file's value is
  *unchanged* and is not written, so importing the same file twice writes nothing.
  A column the file does not have is left alone on existing records.
* Each bad row is reported by the line it starts on, with every reason; good rows land.
* Rows are written in batches of `BATCH_SIZE`, one transaction each, with `bulk_create`
  and `bulk_update`; the import's progress counters move in the same transaction.
  (Per-row `full_clean()` is replaced by the column parsers below: it would cost a
  uniqueness query per row.)
* One audit event per run (`crm.import`), in the transaction of the final status update.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import io
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import IntegrityError, OperationalError, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from audit.services import audit_record
from leads.choices import ImportKind, ImportStatus, OpportunityStage
from leads.models import Account, CrmImport, Opportunity
from leads.normalize import normalize_company, registrable_domain
from partnerportal.exceptions import ApplicationError

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Bad rows kept on the CrmImport row (the command still prints every one). Past this,
# fix the listed rows and import again: rows that already landed stay unchanged.
ERROR_ROWS_LIMIT = 10_000
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# A run still `running` this long after it started lost its worker (the task's hard time
# limit is shorter), so the next delivery of its task may claim it again.
RUN_STALE_AFTER = timedelta(minutes=35)
_HEAD_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024
_BINARY_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or ZIP archive",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
}


def max_file_bytes() -> int:
    """The upload size limit (setting `CRM_IMPORT_MAX_BYTES`, 50 MB by default)."""
    return int(getattr(settings, "CRM_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


class CrmFileError(ApplicationError):
    """The file cannot be imported at all (too big, not CSV, missing columns)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


class RowProblem(ValueError):
    """One value of one row is unusable; the message is the reason shown to the user."""


# --- Columns ---------------------------------------------------------------------------


@dataclasses.dataclass
class Lookups:
    """Reference data the parsers need, loaded once per run."""

    staff_by_email: dict[str, int]

    @classmethod
    def load(cls) -> Lookups:
        users = get_user_model().objects.filter(is_staff=True, is_active=True)
        return cls({email.lower(): pk for email, pk in users.values_list("email", "pk") if email})


def _text(value: str, column: str, lookups: Lookups) -> str:
    return value


def _country(value: str, column: str, lookups: Lookups) -> str:
    if not value:
        return ""
    code = "GB" if value.upper() == "UK" else countries.alpha2(value) or countries.by_name(value)
    if not code:
        raise RowProblem(_("%(column)s '%(value)s' is not an ISO 3166 country code")
                         % {"column": column, "value": value})
    return str(code)


_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


def _boolean(value: str, column: str, lookups: Lookups) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise RowProblem(_("%(column)s '%(value)s' is not a yes/no value (use true/false, "
                       "yes/no, y/n or 1/0)") % {"column": column, "value": value})


def _owner(value: str, column: str, lookups: Lookups) -> int | None:
    if not value:
        return None
    owner_id = lookups.staff_by_email.get(value.lower())
    if owner_id is None:
        raise RowProblem(_("%(column)s '%(value)s' matches no active staff user")
                         % {"column": column, "value": value})
    return owner_id


_AMOUNT_RE = re.compile(r"-?\d+(?:[.,]\d+)?")
_MAX_AMOUNT = Decimal("999999999999.99")  # Opportunity.amount: 14 digits, 2 decimals


def _amount(value: str, column: str, lookups: Lookups) -> Decimal | None:
    if not value:
        return None
    names = {"column": column, "value": value}
    if not _AMOUNT_RE.fullmatch(value):
        raise RowProblem(_("%(column)s '%(value)s' is not a number (write 1234.50, "
                           "without currency or thousands separators)") % names)
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern rules this out
        raise RowProblem(_("%(column)s '%(value)s' is not a number") % names) from error
    if amount < 0:
        raise RowProblem(_("%(column)s '%(value)s' is negative") % names)
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise RowProblem(_("%(column)s '%(value)s' has more than 2 decimal places") % names)
    if amount > _MAX_AMOUNT:
        raise RowProblem(_("%(column)s '%(value)s' is too large") % names)
    return amount.quantize(Decimal("0.01"))


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: str, column: str, lookups: Lookups) -> date | None:
    if not value:
        return None
    names = {"column": column, "value": value}
    if not _DATE_RE.fullmatch(value):
        raise RowProblem(_("%(column)s '%(value)s' is not a date in YYYY-MM-DD form") % names)
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise RowProblem(_("%(column)s '%(value)s' is not a valid date") % names) from error


def _stage(value: str, column: str, lookups: Lookups) -> str:
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if key in OpportunityStage.values:
        return key
    raise RowProblem(_("%(column)s '%(value)s' is not one of: %(allowed)s")
                     % {"column": column, "value": value,
                        "allowed": ", ".join(OpportunityStage.values)})


@dataclasses.dataclass(frozen=True)
class Column:
    """One documented CSV column: what fills which model field, and how it is checked."""

    name: str
    field: str
    parse: Callable[[str, str, Lookups], Any]
    required: bool = False
    max_length: int | None = None
    aliases: tuple[str, ...] = ()


COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.ACCOUNTS: (
        Column("external_id", "external_id", _text, True, 64,
               ("id", "account_id", "account_external_id", "crm_id")),
        Column("name", "name", _text, True, 200, ("account_name", "company", "company_name")),
        Column("website", "website", _text, False, 255, ("domain", "url", "web")),
        Column("country", "country", _country, False, None, ("country_code",)),
        Column("industry", "industry", _text, False, 100, ("sector",)),
        Column("sales_owner_email", "sales_owner_id", _owner, False, 254,
               ("owner_email", "sales_owner", "owner")),
        Column("strategic", "is_strategic", _boolean, False, None, ("is_strategic",)),
        Column("customer", "is_customer", _boolean, False, None,
               ("is_customer", "existing_customer")),
    ),
    ImportKind.OPPORTUNITIES: (
        Column("external_id", "external_id", _text, True, 64,
               ("id", "opportunity_id", "opportunity_external_id", "crm_id")),
        Column("account_external_id", "account_external_id", _text, True, 64,
               ("account_id", "account")),
        Column("name", "name", _text, True, 200, ("opportunity_name", "opportunity")),
        Column("stage", "stage", _stage, True, None, ("opportunity_stage", "status")),
        Column("owner_email", "owner_id", _owner, False, 254,
               ("sales_owner_email", "owner", "sales_owner")),
        Column("amount", "amount", _amount, False, None, ("value",)),
        Column("close_date", "close_date", _date, False, None,
               ("closedate", "expected_close_date", "close")),
    ),
}
MODELS: dict[str, type[models.Model]] = {
    ImportKind.ACCOUNTS: Account,
    ImportKind.OPPORTUNITIES: Opportunity,
}


def _header_key(name: str) -> str:
    name = name.strip().lstrip("\ufeff").removeprefix("ï»¿")
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _map_header(header: list[str], kind: str) -> list[Column | None]:
    """The column each header cell means (None: ignored); refuses missing or doubled ones."""
    by_key = {key: c for c in COLUMNS[kind] for key in (c.name, *c.aliases)}
    mapped = [by_key.get(_header_key(cell)) for cell in header]
    names = [c.name for c in mapped if c]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise CrmFileError(_("More than one column means %(names)s.")
                           % {"names": ", ".join(doubled)})
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in names]
    if missing:
        raise CrmFileError(
            _("This is not a %(kind)s CSV file: it has no %(missing)s column. Expected "
              "columns: %(expected)s.")
            % {"kind": ImportKind(kind).label.lower(), "missing": ", ".join(missing),
               "expected": ", ".join(c.name for c in COLUMNS[kind])}
        )
    return mapped


# --- Reading the file ------------------------------------------------------------------


@dataclasses.dataclass
class SourceRow:
    """One CSV record: the line it starts on and its values by column name, or an error."""

    line: int
    values: dict[str, str]
    error: str = ""


def _refuse_binary(head: bytes) -> None:
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise CrmFileError(_("This file is %(what)s, not CSV. Save it as “CSV UTF-8” "
                                 "and upload that.") % {"what": what})
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CrmFileError(_("This file is not a CSV text file."))


def _detect_encoding(stream: IO[bytes]) -> tuple[str, int]:
    """The first encoding that decodes the whole file (UTF-16 when it has that BOM, else
    UTF-8 with or without BOM, Windows-1252, Latin-1), and an upper bound of its number of
    lines (for the progress bar)."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
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


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decode_head(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="replace").decode(head)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace")


def check_file(uploaded_file: File, *, kind: str) -> None:
    """Refuse, before anything is stored, a file that is too big, binary, or whose header
    lacks the kind's required columns. Raises CrmFileError."""
    if uploaded_file.size is not None and uploaded_file.size > max_file_bytes():
        raise CrmFileError(_("The file is larger than %(mb)d MB; split it into smaller files.")
                           % {"mb": max_file_bytes() // (1024 * 1024)})
    uploaded_file.seek(0)
    head = uploaded_file.read(_HEAD_BYTES)
    uploaded_file.seek(0)
    if not head.strip():
        raise CrmFileError(_("The file is empty."))
    _refuse_binary(head)
    first_line = _decode_head(head).splitlines()[0] if head.strip() else ""
    header = next(csv.reader([first_line], delimiter=_sniff_delimiter(first_line)), [])
    _map_header(header, kind)


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
            except csv.Error as error:
                line_end = reader.line_num
                yield SourceRow(start, {}, _("cannot be read as CSV: %s") % error)
                continue
            line_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != width:
                yield SourceRow(start, {}, _("expected %(width)d fields, found %(found)d")
                                % {"width": width, "found": len(record)})
                continue
            yield SourceRow(start, {c.name: cell.strip() for c, cell in zip(self.columns, record)
                                    if c is not None})


def read_csv(stream: IO[bytes], *, kind: str) -> CsvFile:
    """Open a binary, seekable CSV stream: detect encoding and delimiter, map the header.

    Raises CrmFileError when the file is binary, empty or lacks a required column.
    """
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    if not head.strip():
        raise CrmFileError(_("The file is empty."))
    _refuse_binary(head)
    encoding, lines = _detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first_line = text.readline()
    text.seek(0)
    delimiter = _sniff_delimiter(first_line)
    header = next(csv.reader([first_line.rstrip("\r\n")], delimiter=delimiter), [])
    return CsvFile(text, delimiter, _map_header(header, kind), max(lines - 1, 0))


# --- Validating and writing rows -------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RowError:
    """A bad row: the line it starts on, its external id (if any) and every reason."""

    line: int
    external_id: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "external_id": self.external_id, "reason": self.reason}


@dataclasses.dataclass
class ImportResult:
    """Counts of one run. `errors` keeps the first ERROR_ROWS_LIMIT bad rows."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"total_rows": self.total, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "errors": self.error_count}


def _clean_row(values: dict[str, str], kind: str, lookups: Lookups) -> tuple[dict, list[str]]:
    """Model field values of one row (only for columns the file has), and its problems."""
    data: dict[str, Any] = {}
    reasons: list[str] = []
    for column in COLUMNS[kind]:
        if column.name not in values:
            continue
        value = values[column.name]
        if column.required and not value:
            reasons.append(_("%(column)s is required") % {"column": column.name})
        elif column.max_length and len(value) > column.max_length:
            reasons.append(_("%(column)s is longer than %(max)d characters")
                           % {"column": column.name, "max": column.max_length})
        else:
            try:
                data[column.field] = column.parse(value, column.name, lookups)
            except RowProblem as problem:
                reasons.append(str(problem))
    if kind == ImportKind.ACCOUNTS:
        if "name" in data:
            data["norm_company"] = normalize_company(data["name"])[:200]
        if "website" in data:
            data["norm_domain"] = registrable_domain(data["website"])[:255]
    return data, reasons


def _resolve_accounts(rows: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]],
                                                             list[RowError]]:
    """Swap each opportunity's account_external_id for the account's id."""
    wanted = {data["account_external_id"] for _line, data in rows}
    account_ids = dict(Account.objects.filter(external_id__in=wanted)
                       .values_list("external_id", "pk"))
    good, bad = [], []
    for line, data in rows:
        data = dict(data)
        external = data.pop("account_external_id")
        if external in account_ids:
            good.append((line, {**data, "account_id": account_ids[external]}))
        else:
            bad.append(RowError(line, data["external_id"], _(
                "account_external_id '%(value)s' matches no account (import the accounts "
                "first)") % {"value": external}))
    return good, bad


def _upsert(model: type[models.Model], rows: list[tuple[int, dict]]) -> tuple[int, int, int]:
    """Create new external ids, update changed ones, leave equal ones unwritten."""
    existing = {obj.external_id: obj for obj in
                model.objects.filter(external_id__in=[data["external_id"] for _l, data in rows])}
    new, changed, fields = [], [], set()
    for _line, data in rows:
        obj = existing.get(data["external_id"])
        if obj is None:
            new.append(model(**data))
            continue
        diff = [field for field, value in data.items() if getattr(obj, field) != value]
        if diff:
            for field in diff:
                setattr(obj, field, data[field])
            changed.append(obj)
            fields.update(diff)
    model.objects.bulk_create(new)
    if changed:
        # bulk_update skips auto_now, so the timestamp is set here.
        now = timezone.now()
        for obj in changed:
            obj.updated_at = now
        model.objects.bulk_update(changed, sorted(fields | {"updated_at"}))
    return len(new), len(changed), len(rows) - len(new) - len(changed)


def _write_batch(kind: str, rows: list[tuple[int, dict]], result: ImportResult,
                 processed: int, on_batch: Callable[[ImportResult], None] | None
                 ) -> tuple[ImportResult, list[RowError]]:
    """Write one batch in one transaction, with the progress update; returns new counts.

    A concurrent import that inserted the same external id first makes the batch fail
    with IntegrityError; the retry then finds that row and updates it instead.
    """
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                batch, bad = _resolve_accounts(rows) if kind == ImportKind.OPPORTUNITIES \
                    else (rows, [])
                created, updated, unchanged = _upsert(MODELS[kind], batch) if batch else (0, 0, 0)
                after = dataclasses.replace(
                    result, total=processed, created=result.created + created,
                    updated=result.updated + updated, unchanged=result.unchanged + unchanged,
                    error_count=result.error_count + len(bad), errors=result.errors,
                )
                if on_batch:
                    on_batch(after)
            return after, bad
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def import_rows(
    *,
    kind: str,
    rows_iter: Iterable[SourceRow],
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[ImportResult], None] | None = None,
    on_row_error: Callable[[RowError], None] | None = None,
) -> ImportResult:
    """Validate and upsert rows by external_id, `batch_size` rows per transaction.

    Bad rows (wrong field count, invalid values, an external_id seen earlier in the same
    input, an unknown account) are reported to `on_row_error` in line order and counted;
    the others are written. `on_batch` runs inside each batch's transaction with the
    counts so far. Knows nothing of CrmImport, so the command and the worker share it.
    """
    lookups = Lookups.load()
    result = ImportResult()
    seen: dict[str, int] = {}
    pending: list[tuple[int, dict]] = []
    batch_errors: list[RowError] = []
    processed = 0

    def flush() -> None:
        nonlocal result, pending, batch_errors
        result.error_count += len(batch_errors)
        result, bad = _write_batch(kind, pending, result, processed, on_batch)
        for error in sorted(batch_errors + bad, key=lambda e: e.line):
            if len(result.errors) < ERROR_ROWS_LIMIT:
                result.errors.append(error)
            if on_row_error:
                on_row_error(error)
        pending, batch_errors = [], []

    for row in rows_iter:
        processed += 1
        data, reasons = ({}, [row.error]) if row.error else _clean_row(row.values, kind, lookups)
        external_id = row.values.get("external_id", "")
        if external_id and len(external_id) <= 64:
            first = seen.setdefault(external_id, row.line)
            if first != row.line:
                reasons.append(_("external_id '%(value)s' already appeared on line %(line)d")
                               % {"value": external_id, "line": first})
        if reasons:
            batch_errors.append(RowError(row.line, external_id, "; ".join(reasons)))
        else:
            pending.append((row.line, data))
        if processed % batch_size == 0:
            flush()
    flush()
    return result


# --- Services and selectors ------------------------------------------------------------


def crm_import_create(*, actor: Any, kind: str, uploaded_file: File,
                      run_in_worker: bool = True) -> CrmImport:
    """Store an uploaded CSV as a queued CrmImport and queue its run after commit.

    Refuses (CrmFileError, naming the `file` field) a file over the size limit, a binary
    file, or one without the kind's required columns; nothing is stored or queued then.
    `run_in_worker=False` is for callers that run the import themselves (the command).
    """
    from leads.tasks import crm_import_run_task

    if kind not in ImportKind.values:
        raise ApplicationError(_("Choose what the file holds."), field="kind")
    check_file(uploaded_file, kind=kind)
    original_name = (uploaded_file.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    with transaction.atomic():
        crm_import = CrmImport(
            kind=kind,
            original_name=original_name[:255],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        # A generated name: the user's file name is display-only and never a path.
        crm_import.file.save(f"{kind}-{uuid.uuid4().hex}.csv", uploaded_file, save=False)
        crm_import.full_clean()
        crm_import.save()
        if run_in_worker:
            import_id = crm_import.pk
            transaction.on_commit(lambda: crm_import_run_task.delay(import_id))
    return crm_import


def _claim(import_id: int) -> bool:
    """queued -> running (or a stale running one again), as one conditional update."""
    now = timezone.now()
    return CrmImport.objects.filter(pk=import_id).filter(
        Q(status=ImportStatus.QUEUED)
        | Q(status=ImportStatus.RUNNING, started_at__lt=now - RUN_STALE_AFTER)
    ).update(
        status=ImportStatus.RUNNING, started_at=now, finished_at=None, failure="",
        total_rows=0, processed_rows=0, created_count=0, updated_count=0, unchanged_count=0,
        error_rows=[],
    ) == 1


def _finish(import_id: int, *, result: ImportResult | None, failure: str = "",
            from_statuses: tuple[str, ...] = (ImportStatus.RUNNING,)) -> CrmImport:
    """Record the outcome and its one audit event in the same transaction.

    Does nothing to an import no longer in `from_statuses`. Without a `result` (a run
    that stopped midway) the counts are the progress the batches committed.
    """
    with transaction.atomic():
        crm_import = CrmImport.objects.select_for_update().get(pk=import_id)
        if crm_import.status not in from_statuses:
            return crm_import
        if result is None:
            result = ImportResult(
                total=crm_import.processed_rows, created=crm_import.created_count,
                updated=crm_import.updated_count, unchanged=crm_import.unchanged_count,
                error_count=crm_import.processed_rows - crm_import.created_count
                - crm_import.updated_count - crm_import.unchanged_count,
            )
        before = {"status": crm_import.status}
        crm_import.status = ImportStatus.FAILED if failure else ImportStatus.DONE
        crm_import.finished_at = timezone.now()
        crm_import.failure = failure
        crm_import.total_rows = crm_import.processed_rows = result.total
        crm_import.created_count = result.created
        crm_import.updated_count = result.updated
        crm_import.unchanged_count = result.unchanged
        crm_import.error_rows = [error.as_dict() for error in result.errors]
        crm_import.save()
        audit_record(
            actor=crm_import.created_by,
            action="crm.import",
            target=crm_import,
            before=before,
            after={"status": crm_import.status, "kind": crm_import.kind,
                   "file": crm_import.original_name, **result.counts(),
                   **({"failure": failure} if failure else {})},
        )
    return crm_import


def _progress(import_id: int) -> Callable[[ImportResult], None]:
    def update(result: ImportResult) -> None:
        CrmImport.objects.filter(pk=import_id).update(
            processed_rows=result.total, created_count=result.created,
            updated_count=result.updated, unchanged_count=result.unchanged,
        )
    return update


def crm_import_run(*, import_id: int,
                   on_row_error: Callable[[RowError], None] | None = None) -> CrmImport:
    """Run a queued import: read its file, upsert its rows, record counts and bad rows.

    Idempotent: the run claims the import (queued -> running) with a conditional update,
    so a second call, or a second delivery of the task, does nothing to a running, done
    or failed import. A database outage puts the import back in the queue and re-raises
    (the task retries); a file that cannot be read at all ends as `failed`.
    """
    if not _claim(import_id):
        return CrmImport.objects.get(pk=import_id)
    crm_import = CrmImport.objects.get(pk=import_id)
    try:
        with crm_import.file.open("rb") as stored:
            csv_file = read_csv(stored.file, kind=crm_import.kind)
            CrmImport.objects.filter(pk=import_id).update(total_rows=csv_file.estimated_rows)
            try:
                result = import_rows(kind=crm_import.kind, rows_iter=csv_file.rows(),
                                     on_batch=_progress(import_id), on_row_error=on_row_error)
            finally:
                csv_file.text.detach()
    except CrmFileError as error:
        return _finish(import_id, result=ImportResult(), failure=error.message)
    except OSError as error:
        logger.warning("CRM import %s: cannot open its file: %s", import_id, error)
        return _finish(import_id, result=ImportResult(), failure=_(
            "The stored file could not be opened; upload it again."))
    except OperationalError:
        # Transient: hand the import back to the queue so the task's retry can claim it.
        # If the database is still down, the stale-run rule lets a later delivery in.
        with contextlib.suppress(OperationalError):
            CrmImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
                status=ImportStatus.QUEUED, started_at=None)
        raise
    except Exception:
        logger.exception("CRM import %s stopped", import_id)
        crm_import_fail(import_id=import_id,
                        failure=_("The import stopped unexpectedly; rows written so far "
                                  "stay. Try again or contact an administrator."))
        raise
    return _finish(import_id, result=result)


def crm_import_fail(*, import_id: int, failure: str) -> CrmImport:
    """Mark a queued or running import failed (e.g. the task's final failure), audited.

    An import that already finished is left as it is.
    """
    return _finish(import_id, result=None, failure=failure,
                   from_statuses=(ImportStatus.QUEUED, ImportStatus.RUNNING))


def _with_bad_count(queryset: QuerySet[CrmImport]) -> QuerySet[CrmImport]:
    # Rows processed and neither created, updated nor unchanged were bad.
    return queryset.annotate(bad_count=F("processed_rows") - F("created_count")
                             - F("updated_count") - F("unchanged_count"))


def crm_import_list() -> QuerySet[CrmImport]:
    """Imports newest first, with uploader and `bad_count`, without the bad-row list."""
    return _with_bad_count(CrmImport.objects.select_related("created_by").defer("error_rows"))


def crm_import_get(*, pk: int) -> CrmImport:
    """One import with its uploader and `bad_count`; raises CrmImport.DoesNotExist."""
    return _with_bad_count(CrmImport.objects.select_related("created_by")).get(pk=pk)
