"""Import the vendor's CRM accounts, contacts and/or opportunities from CSV files,
synchronously.

    python manage.py import_crm --accounts accounts.csv --contacts contacts.csv \
        --opportunities opps.csv

Runs through the same services as the staff upload page (each file becomes a CrmImport
that staff can see), here without a worker. Accounts go first, so contacts and
opportunities in the same call can reference them. Prints each file's counts and every bad row as
"line N: reason". Exits non-zero only when a file cannot be read at all; bad rows are
reported and the good rows still land.
"""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.choices import ImportKind, ImportStatus
from crm.imports.columns import CrmFileError
from crm.imports.rows import RowError
from crm.selectors import crm_import_get
from crm.services import crm_import_create, crm_import_run


class Command(BaseCommand):
    help = "Import CRM accounts, contacts and/or opportunities from CSV (upsert by external_id)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", metavar="FILE", type=Path,
                            help="CSV of accounts (imported first)")
        parser.add_argument("--contacts", metavar="FILE", type=Path,
                            help="CSV of contacts at accounts (after the accounts)")
        parser.add_argument("--opportunities", metavar="FILE", type=Path,
                            help="CSV of opportunities")

    def handle(self, *args, **options) -> None:
        files = [(kind, options[kind]) for kind in ImportKind.values if options[kind]]
        if not files:
            raise CommandError(
                "Give --accounts FILE, --contacts FILE, --opportunities FILE, or several.")
        for kind, path in files:
            self._import(kind, path)

    def _import(self, kind: str, path: Path) -> None:
        try:
            with path.open("rb") as handle:
                crm_import = crm_import_create(
                    actor=None, kind=kind, uploaded_file=File(handle, name=path.name),
                    run_in_worker=False,
                )
        except OSError as error:
            reason = error.strerror or error
            raise CommandError(f"{path}: cannot read the file: {reason}") from error
        except CrmFileError as error:
            raise CommandError(f"{path}: {error.message}") from error

        def report(error: RowError) -> None:
            self.stdout.write(f"line {error.line}: {error.reason}")

        self.stdout.write(f"{kind} from {path} (import #{crm_import.pk}):")
        crm_import_run(import_id=crm_import.pk, on_row_error=report)
        crm_import = crm_import_get(pk=crm_import.pk)
        if crm_import.status != ImportStatus.DONE:
            raise CommandError(f"{path}: {crm_import.failure or crm_import.status}")
        summary = (
            f"{kind}: {crm_import.total_rows} rows, {crm_import.created_count} created, "
            f"{crm_import.updated_count} updated, "
            f"{crm_import.unchanged_count} unchanged, {crm_import.bad_count} bad"
        )
        style = self.style.WARNING if crm_import.bad_count else self.style.SUCCESS
        self.stdout.write(style(summary))
