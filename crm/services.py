"""State changes of CRM records: the CSV import runs and an account's matching keys.

How an import reads and writes its rows is in `crm.imports`; its rules are listed there.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.files import File
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from crm.choices import ImportKind, ImportStatus
from crm.imports.columns import CrmFileError
from crm.imports.reader import check_file, read_csv
from crm.imports.rows import ImportResult, RowError, import_rows
from crm.models import Account, CrmImport
from leads.normalize import address_keys, company_keys, normalize_phone, registrable_domain
from leads.services import country_value
from partnerportal.exceptions import ApplicationError

logger = logging.getLogger(__name__)

# A run still `running` this long after it started lost its worker (the task's hard time
# limit is shorter), so the next delivery of its task may claim it again.
RUN_STALE_AFTER = timedelta(minutes=35)


def crm_import_create(
    *, actor: Any, kind: str, uploaded_file: File, run_in_worker: bool = True
) -> CrmImport:
    """Store an uploaded CSV as a queued CrmImport and queue its run after commit.

    Refuses (CrmFileError, naming the `file` field) a file over the size limit, a binary
    file, or one without the kind's required columns; nothing is stored or queued then.
    `run_in_worker=False` is for callers that run the import themselves (the command).
    """
    from crm.tasks import crm_import_run_task

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
        crm_import.file.save(
            f"{kind}-{uuid.uuid4().hex}.csv", uploaded_file, save=False
        )
        crm_import.full_clean()
        crm_import.save()
        if run_in_worker:
            import_id = crm_import.pk
            transaction.on_commit(lambda: crm_import_run_task.delay(import_id))
    return crm_import


def _claim(import_id: int) -> bool:
    """queued -> running (or a stale running one again), as one conditional update."""
    now = timezone.now()
    return (
        CrmImport.objects.filter(pk=import_id)
        .filter(
            Q(status=ImportStatus.QUEUED)
            | Q(status=ImportStatus.RUNNING, started_at__lt=now - RUN_STALE_AFTER)
        )
        .update(
            status=ImportStatus.RUNNING,
            started_at=now,
            finished_at=None,
            failure="",
            total_rows=0,
            processed_rows=0,
            created_count=0,
            updated_count=0,
            unchanged_count=0,
            error_rows=[],
        )
        == 1
    )


def _finish(
    import_id: int,
    *,
    result: ImportResult | None,
    failure: str = "",
    from_statuses: tuple[str, ...] = (ImportStatus.RUNNING,),
) -> CrmImport:
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
                total=crm_import.processed_rows,
                created=crm_import.created_count,
                updated=crm_import.updated_count,
                unchanged=crm_import.unchanged_count,
                error_count=crm_import.processed_rows
                - crm_import.created_count
                - crm_import.updated_count
                - crm_import.unchanged_count,
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
            after={
                "status": crm_import.status,
                "kind": crm_import.kind,
                "file": crm_import.original_name,
                **result.counts(),
                **({"failure": failure} if failure else {}),
            },
        )
    return crm_import


def _progress(import_id: int) -> Callable[[ImportResult], None]:
    def update(result: ImportResult) -> None:
        CrmImport.objects.filter(pk=import_id).update(
            processed_rows=result.total,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
        )

    return update


def crm_import_run(
    *, import_id: int, on_row_error: Callable[[RowError], None] | None = None
) -> CrmImport:
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
            CrmImport.objects.filter(pk=import_id).update(
                total_rows=csv_file.estimated_rows
            )
            try:
                result = import_rows(
                    kind=crm_import.kind,
                    rows_iter=csv_file.rows(),
                    on_batch=_progress(import_id),
                    on_row_error=on_row_error,
                )
            finally:
                csv_file.text.detach()
    except CrmFileError as error:
        return _finish(import_id, result=ImportResult(), failure=error.message)
    except OSError as error:
        logger.warning("CRM import %s: cannot open its file: %s", import_id, error)
        return _finish(
            import_id,
            result=ImportResult(),
            failure=_("The stored file could not be opened; upload it again."),
        )
    except OperationalError:
        # Transient: hand the import back to the queue so the task's retry can claim it.
        # If the database is still down, the stale-run rule lets a later delivery in.
        with contextlib.suppress(OperationalError):
            CrmImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
                status=ImportStatus.QUEUED, started_at=None
            )
        raise
    except Exception:
        logger.exception("CRM import %s stopped", import_id)
        crm_import_fail(
            import_id=import_id,
            failure=_(
                "The import stopped unexpectedly; rows written so far "
                "stay. Try again or contact an administrator."
            ),
        )
        raise
    return _finish(import_id, result=result)


def crm_import_fail(*, import_id: int, failure: str) -> CrmImport:
    """Mark a queued or running import failed (e.g. the task's final failure), audited.

    An import that already finished is left as it is.
    """
    return _finish(
        import_id,
        result=None,
        failure=failure,
        from_statuses=(ImportStatus.QUEUED, ImportStatus.RUNNING),
    )


def account_apply_normalization(account: Account) -> None:
    """Recompute an account's matching keys from its name, website, phone and address
    (no save)."""
    account.country = country_value(account.country or "") or ""
    account.norm_company, account.name_words = company_keys(account.name)
    account.norm_domain = registrable_domain(account.website)[:255]
    account.norm_phone = normalize_phone(account.phone, account.country)
    for key, value in address_keys(street=account.street, city=account.city,
                                   postal_code=account.postal_code,
                                   country=account.country).items():
        setattr(account, key, value)
