"""Staff pages for CRM imports: upload a CSV, watch a worker import it, see bad rows.

Any staff user who signed in with a second factor may look; partner owners and program
admins may upload. The detail page's progress fragment polls itself (htmx) until the
import is done or failed.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from crm.choices import ImportKind, ImportStatus
from crm.forms import CrmImportForm
from crm.imports.columns import COLUMNS
from crm.imports.reader import max_file_bytes
from crm.models import CrmImport
from crm.selectors import crm_import_get
from crm.selectors import crm_import_list as crm_import_recent
from crm.services import crm_import_create
from partnerportal.csv import csv_response
from partnerportal.decorators import staff_required
from partnerportal.exceptions import ApplicationError
from partnerportal.htmx import render_page_or_partial
from partners.choices import StaffRole
from partners.selectors import user_staff_roles

UPLOAD_ROLES = {StaffRole.PROGRAM_ADMIN, StaffRole.PARTNER_OWNER}
RECENT = 50
ERRORS_SHOWN = 500


def _list_context(request: HttpRequest, form: CrmImportForm | None) -> dict:
    can_upload = bool(user_staff_roles(user=request.user) & UPLOAD_ROLES)
    return {
        "imports": crm_import_recent()[:RECENT],
        "form": (form or CrmImportForm()) if can_upload else None,
        "column_sets": [(kind.label, COLUMNS[kind]) for kind in ImportKind],
        "max_mb": max_file_bytes() // (1024 * 1024),
    }


@require_http_methods(["GET", "POST"])
@staff_required
def crm_import_list(request: HttpRequest) -> HttpResponse:
    """Recent imports and, for uploaders, the upload form (POST starts an import)."""
    if request.method == "POST":
        return _crm_import_upload(request)
    return render(request, "crm/crm_import_list.html", _list_context(request, None))


@staff_required(roles=UPLOAD_ROLES)
def _crm_import_upload(request: HttpRequest) -> HttpResponse:
    form = CrmImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            crm_import = crm_import_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except ApplicationError as error:
            form.add_error(
                error.field if error.field in form.fields else None, error.message
            )
        else:
            return redirect("crm:crm-import-detail", pk=crm_import.pk)
    return render(request, "crm/crm_import_list.html", _list_context(request, form))


def _get_or_404(pk: int) -> CrmImport:
    try:
        return crm_import_get(pk=pk)
    except CrmImport.DoesNotExist as error:
        raise Http404 from error


@require_GET
@staff_required
def crm_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import's progress, counts and bad rows; htmx gets the progress fragment."""
    crm_import = _get_or_404(pk)
    context = {
        "crm_import": crm_import,
        "in_progress": crm_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "error_rows": crm_import.error_rows[:ERRORS_SHOWN],
        "errors_hidden": max(len(crm_import.error_rows) - ERRORS_SHOWN, 0),
        "errors_not_kept": max(crm_import.bad_count - len(crm_import.error_rows), 0),
    }
    return render_page_or_partial(
        request,
        "crm/crm_import_detail.html",
        "crm/partials/crm_import_progress.html",
        context,
    )


@require_GET
@staff_required
def crm_import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's bad rows as CSV (line, external_id, reason), formulas defused."""
    crm_import = _get_or_404(pk)
    return csv_response(
        filename=f"crm-import-{crm_import.pk}-errors.csv",
        header=["line", "external_id", "reason"],
        rows=(
            [row.get("line"), row.get("external_id", ""), row.get("reason", "")]
            for row in crm_import.error_rows
        ),
    )
