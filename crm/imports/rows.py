"""Validating rows and writing them: the upsert by external_id, in batches.

`import_rows` knows nothing of files or CrmImport rows, so the command, the worker and
tests share it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.choices import ImportKind
from crm.imports.columns import COLUMNS, MODELS, Lookups, RowProblem
from crm.imports.reader import SourceRow
from crm.models import Account
from leads.evidence import key_counts_add, keys_of
from leads.normalize import (
    address_keys,
    company_keys,
    normalize_email,
    normalize_phone,
    registrable_domain,
)

BATCH_SIZE = 500
# Bad rows kept on the CrmImport row (the command still prints every one). Past this,
# fix the listed rows and import again: rows that already landed stay unchanged.
ERROR_ROWS_LIMIT = 10_000


@dataclasses.dataclass(frozen=True)
class RowError:
    """A bad row: the line it starts on, its external id (if any) and every reason."""

    line: int
    external_id: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "external_id": self.external_id,
            "reason": self.reason,
        }


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
        return {
            "total_rows": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.error_count,
        }


def _clean_row(
    values: dict[str, str], kind: str, lookups: Lookups
) -> tuple[dict, list[str]]:
    """Model field values of one row (for the columns the file has), and its problems."""
    data: dict[str, Any] = {}
    reasons: list[str] = []
    for column in COLUMNS[kind]:
        if column.name not in values:
            continue
        value = values[column.name]
        if column.required and not value:
            reasons.append(_("%(column)s is required") % {"column": column.name})
        elif column.max_length and len(value) > column.max_length:
            reasons.append(
                _("%(column)s is longer than %(max)d characters")
                % {"column": column.name, "max": column.max_length}
            )
        else:
            try:
                data[column.field] = column.parse(value, column.name, lookups)
            except RowProblem as problem:
                reasons.append(str(problem))
    if kind == ImportKind.ACCOUNTS:
        _account_keys(data)
    elif kind == ImportKind.CONTACTS:
        if "name" in data:
            data["norm_name"] = " ".join(data["name"].lower().split())[:150]
        if "email" in data:
            data["norm_email"] = normalize_email(data["email"])
    return data, reasons


def _account_keys(data: dict[str, Any]) -> None:
    """The normalized keys of the account columns the file has (others stay as stored)."""
    if "name" in data:
        data["norm_company"], data["name_words"] = company_keys(data["name"])
    if "website" in data:
        data["norm_domain"] = registrable_domain(data["website"])[:255]
    country = data.get("country", "")
    if "phone" in data:
        data["norm_phone"] = normalize_phone(data["phone"], country)
    keys = address_keys(street=data.get("street"), city=data.get("city"),
                        postal_code=data.get("postal_code"), country=country)
    for column, key in (("street", "norm_street"), ("city", "norm_city"),
                        ("postal_code", "norm_postal_code")):
        if column in data:
            data[key] = keys[key]
    if "street" in data and ("city" in data or "postal_code" in data):
        data["norm_address"] = keys["norm_address"]


def _resolve_accounts(
    rows: list[tuple[int, dict]],
) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Swap each opportunity's account_external_id for the account's id."""
    wanted = {data["account_external_id"] for _line, data in rows}
    accounts = {
        external: (pk, country)
        for external, pk, country in Account.objects.filter(
            external_id__in=wanted).values_list("external_id", "pk", "country")
    }
    good, bad = [], []
    for line, data in rows:
        data = dict(data)
        external = data.pop("account_external_id")
        if external in accounts:
            account_id, country = accounts[external]
            if "phone" in data:  # a contact's national number reads in its account's country
                data["norm_phone"] = normalize_phone(data["phone"], country)
            good.append((line, {**data, "account_id": account_id}))
        else:
            reason = _(
                "account_external_id '%(value)s' matches no account "
                "(import the accounts first)"
            ) % {"value": external}
            bad.append(RowError(line, data["external_id"], reason))
    return good, bad


def _upsert(
    model: type[models.Model], rows: list[tuple[int, dict]]
) -> tuple[int, int, int]:
    """Create new external ids, update changed ones, leave equal ones unwritten."""
    existing = {
        obj.external_id: obj
        for obj in model.objects.filter(
            external_id__in=[data["external_id"] for _l, data in rows]
        )
    }
    new, changed, fields = [], [], set()
    for _line, data in rows:
        obj = existing.get(data["external_id"])
        if obj is None:
            new.append(model(**data))
            continue
        if getattr(obj, "erased_at", None):
            continue  # an erased contact stays erased: a later file does not bring it back
        diff = [field for field, value in data.items() if getattr(obj, field) != value]
        if diff:
            for field in diff:
                setattr(obj, field, data[field])
            changed.append(obj)
            fields.update(diff)
    model.objects.bulk_create(new)
    if model is Account and new:
        # New accounts count at once among the values duplicate scoring weighs.
        key_counts_add(key for obj in new for key in keys_of(
            company=obj.norm_company, phones=[obj.norm_phone], city=obj.norm_city))
    if changed:
        # Bulk updates skip auto_now, so the timestamp is set here.
        now = timezone.now()
        for obj in changed:
            obj.updated_at = now
        _bulk_update(model, changed, sorted(fields | {"updated_at"}))
    return len(new), len(changed), len(rows) - len(new) - len(changed)


def _bulk_update(
    model: type[models.Model], objs: list[models.Model], fields: list[str]
) -> None:
    """Like `bulk_update`, as `WITH v AS (VALUES ...) UPDATE ... FROM v` statements.

    Django's bulk_update builds a CASE expression per object and field, which takes
    milliseconds per row to compile: re-importing 100k edited accounts took over a
    minute. PostgreSQL needs the VALUES typed (casts); SQLite (3.33+ for UPDATE ...
    FROM) takes them as they are. Any other database falls back to bulk_update.
    """
    connection = transaction.get_connection()
    postgres = connection.vendor == "postgresql"
    sqlite = connection.vendor == "sqlite" and (
        connection.Database.sqlite_version_info >= (3, 33)
    )
    if not (postgres or sqlite):
        model.objects.bulk_update(objs, fields)
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), model._meta.pk
    columns = [pk, *(model._meta.get_field(name) for name in fields)]
    casts = [f"::{f.db_type(connection)}" if postgres else "" for f in columns]
    row = "(" + ", ".join(f"%s{cast}" for cast in casts) + ")"
    names = ", ".join(quote(f.column) for f in columns)
    assignments = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:]
    )
    step = connection.ops.bulk_batch_size(columns, objs)
    for start in range(0, len(objs), step):
        chunk = objs[start : start + step]
        # Only model metadata (quoted names, column types) is interpolated; values are
        # parameters.
        sql = (
            f"WITH v ({names}) AS (VALUES {', '.join([row] * len(chunk))}) "  # noqa: S608
            f"UPDATE {table} SET {assignments} "
            f"FROM v WHERE {table}.{quote(pk.column)} = v.{quote(pk.column)}"
        )
        params = [
            f.get_db_prep_save(getattr(obj, f.attname), connection)
            for obj in chunk
            for f in columns
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _write_batch(
    kind: str,
    rows: list[tuple[int, dict]],
    result: ImportResult,
    processed: int,
    on_batch: Callable[[ImportResult], None] | None,
) -> tuple[ImportResult, list[RowError]]:
    """Write one batch in one transaction, with the progress update; returns new counts.

    A concurrent import that inserted the same external id first makes the batch fail
    with IntegrityError; the retry then finds that row and updates it instead.
    """
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                batch, bad = (
                    _resolve_accounts(rows)
                    if kind in (ImportKind.OPPORTUNITIES, ImportKind.CONTACTS)
                    else (rows, [])
                )
                created, updated, unchanged = (
                    _upsert(MODELS[kind], batch) if batch else (0, 0, 0)
                )
                after = dataclasses.replace(
                    result,
                    total=processed,
                    created=result.created + created,
                    updated=result.updated + updated,
                    unchanged=result.unchanged + unchanged,
                    error_count=result.error_count + len(bad),
                    errors=result.errors,
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
        data, reasons = (
            ({}, [row.error]) if row.error else _clean_row(row.values, kind, lookups)
        )
        external_id = row.values.get("external_id", "")
        if external_id and len(external_id) <= 64:
            first = seen.setdefault(external_id, row.line)
            if first != row.line:
                reasons.append(
                    _("external_id '%(value)s' already appeared on line %(line)d")
                    % {"value": external_id, "line": first}
                )
        if reasons:
            batch_errors.append(RowError(row.line, external_id, "; ".join(reasons)))
        else:
            pending.append((row.line, data))
        if processed % batch_size == 0:
            flush()
    flush()
    return result
