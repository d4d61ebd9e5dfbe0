"""Vendor leads from a CSV file: checked on upload, run on the worker, progress on a page.

The file is read like a CRM import (`crm.imports.reader`: UTF-8 with or without BOM,
UTF-16, Windows-1252 or Latin-1; comma, semicolon or tab). Each row is validated by the
staff form and created by the same service as a typed lead, in its own transaction, so a
bad row is reported with its line and reason while the good rows land, and no row is ever
half-saved. A row already created (unique import and line) is skipped on a rerun.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import uuid

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from crm.choices import ImportStatus
from crm.imports.columns import CrmFileError
from crm.imports.reader import (
    _BINARY_MAGIC,
    _UTF16_BOMS,
    _detect_encoding,
    _sniff_delimiter,
    max_file_bytes,
)
from distribution.choices import VendorLeadSource
from distribution.forms import VENDOR_LEAD_FIELDS, VendorLeadForm
from distribution.models import VendorLead, VendorLeadImport
from distribution.services import _require_reviewer, vendor_lead_create
from leads.models import Product
from partners.models import Vocabulary

logger = logging.getLogger(__name__)

REQUIRED = ("company_name",)
# Columns: the form's fields; `needs` lists vocabulary names or slugs, `products` SKUs or
# names, each separated by ";" or "|".
COLUMNS = [c for c in VENDOR_LEAD_FIELDS if c not in {"terms", "products"}] + ["needs", "products"]
ALIASES = {"company": "company_name", "name": "company_name", "domain": "website",
           "email": "contact_email", "phone": "contact_phone", "use_case": "use_case_text",
           "value": "estimated_value", "terms": "needs"}
PROGRESS_EVERY = 10


def _key(cell: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", cell.strip().lstrip("\ufeff").lower()).strip("_")
    return ALIASES.get(key, key)


def _check_head(head: bytes) -> None:
    if not head.strip():
        raise CrmFileError(_("The file is empty."))
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise CrmFileError(_("This file is %(what)s, not CSV. Save it as “CSV UTF-8” "
                                 "and upload that.") % {"what": what})
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        raise CrmFileError(_("This file is not a CSV text file."))


def _open(stream) -> tuple[io.TextIOWrapper, csv.DictReader, int]:
    _check_head(stream.read(64 * 1024))
    stream.seek(0)
    encoding, lines = _detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first = text.readline()
    text.seek(0)
    reader = csv.reader(text, delimiter=_sniff_delimiter(first))
    header = [_key(c) for c in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CrmFileError(_("The file has no %(m)s column. Columns: %(c)s.") % {
            "m": ", ".join(missing), "c": ", ".join(COLUMNS)})
    return text, (header, reader), max(lines - 1, 0)


def vendor_lead_import_create(*, actor, uploaded_file: File) -> VendorLeadImport:
    """Store an uploaded CSV as a queued import and queue its run after commit. A file too
    big, binary, empty or without a company_name column is refused (ApplicationError on
    `file`) before anything is stored."""
    from distribution.tasks import vendor_lead_import_run_task

    _require_reviewer(actor)
    if uploaded_file.size is not None and uploaded_file.size > max_file_bytes():
        raise CrmFileError(_("The file is larger than %(mb)d MB; split it.") % {
            "mb": max_file_bytes() // (1024 * 1024)})
    uploaded_file.seek(0)
    head = uploaded_file.read(64 * 1024)
    uploaded_file.seek(0)
    _check_head(head)
    with transaction.atomic():
        item = VendorLeadImport(original_name=(uploaded_file.name or "").rsplit("/", 1)[-1][:255],
                                created_by=actor)
        item.file.save(f"vendor-leads-{uuid.uuid4().hex}.csv", uploaded_file, save=False)
        item.save()
        audit_record(actor=actor, action="vendor_lead_import.create", target=item,
                     after={"file": item.original_name})
        item_id = item.pk
        transaction.on_commit(lambda: vendor_lead_import_run_task.delay(item_id))
    return item


def _split(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[;|]", value or "") if v.strip()]


def _row_data(values: dict[str, str]) -> tuple[dict, list[str]]:
    """Form data of one row; unknown needs or products are errors of the row."""
    data = {k: values.get(k, "") for k in COLUMNS if k not in {"needs", "products"}}
    data["currency"] = (data.get("currency") or "USD").upper()
    data["country"] = (data.get("country") or "").upper()
    problems, terms, products = [], [], []
    for name in _split(values.get("needs", "")):
        term = Vocabulary.objects.filter(Q(name__iexact=name) | Q(slug=name.lower()),
                                         active=True).first()
        if term is None:
            problems.append(_("unknown need “%(n)s”") % {"n": name})
        else:
            terms.append(term.pk)
    for name in _split(values.get("products", "")):
        product = Product.objects.filter(Q(sku__iexact=name) | Q(name__iexact=name),
                                         active=True).first()
        if product is None:
            problems.append(_("unknown product “%(n)s”") % {"n": name})
        else:
            products.append(product.pk)
    data["terms"], data["products"] = terms, products
    return data, problems


def _import_row(item: VendorLeadImport, line: int, values: dict[str, str]) -> str | None:
    """Create one row's lead; the reason it was refused, or None."""
    data, problems = _row_data(values)
    if problems:
        return "; ".join(problems)
    form = VendorLeadForm(data=data)
    if not form.is_valid():
        return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
    try:
        vendor_lead_create(actor=item.created_by, data=form.model_fields(),
                           terms=form.cleaned_data["terms"],
                           products=form.cleaned_data["products"],
                           source=VendorLeadSource.IMPORT, import_batch=item, import_row=line)
    except ValidationError as error:
        return "; ".join(error.messages)
    return None


def vendor_lead_import_run(*, import_id: int) -> VendorLeadImport:
    """Run a queued import (claimed with a conditional update: a second run does nothing)."""
    now = timezone.now()
    if not VendorLeadImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, started_at=now):
        return VendorLeadImport.objects.get(pk=import_id)
    item = VendorLeadImport.objects.select_related("created_by").get(pk=import_id)
    done = set(VendorLead.objects.filter(import_batch=item).values_list("import_row", flat=True))
    errors, processed, created, failure = [], 0, len(done), ""
    try:
        with item.file.open("rb") as stored:
            text, (header, reader), estimated = _open(stored.file)
            VendorLeadImport.objects.filter(pk=import_id).update(total_rows=estimated)
            try:
                for record in reader:
                    line = reader.line_num
                    if not any(c.strip() for c in record):
                        continue
                    processed += 1
                    if line in done:
                        continue
                    if len(record) != len(header):
                        errors.append({"line": line, "reason": _(
                            "expected %(w)d fields, found %(f)d") % {
                                "w": len(header), "f": len(record)}})
                    else:
                        values = {k: v.strip() for k, v in zip(header, record, strict=True)}
                        reason = _import_row(item, line, values)
                        if reason:
                            errors.append({"line": line, "company": values.get(
                                "company_name", "")[:200], "reason": reason})
                        else:
                            created += 1
                    if processed % PROGRESS_EVERY == 0:
                        VendorLeadImport.objects.filter(pk=import_id).update(
                            processed_rows=processed, created_count=created, error_rows=errors)
            finally:
                text.detach()
    except CrmFileError as error:
        failure = error.message
    except OSError:
        failure = _("The stored file could not be opened; upload it again.")
    with transaction.atomic():
        item = VendorLeadImport.objects.select_for_update().get(pk=import_id)
        item.status = ImportStatus.FAILED if failure else ImportStatus.DONE
        item.failure, item.finished_at = failure, timezone.now()
        item.processed_rows = item.total_rows = processed
        item.created_count, item.error_rows = created, errors
        item.save()
        audit_record(actor=item.created_by, action="vendor_lead_import.finish", target=item,
                     after={"status": item.status, "rows": processed, "created": created,
                            "errors": len(errors), "failure": failure})
    return item
