"""Reads of CRM imports for the staff pages and the command."""

from django.db.models import F, QuerySet

from crm.models import CrmImport


def _with_bad_count(queryset: QuerySet[CrmImport]) -> QuerySet[CrmImport]:
    # Rows processed and neither created, updated nor unchanged were bad.
    return queryset.annotate(
        bad_count=F("processed_rows")
        - F("created_count")
        - F("updated_count")
        - F("unchanged_count")
    )


def crm_import_list() -> QuerySet[CrmImport]:
    """Imports newest first, with uploader and `bad_count`, without the bad-row list."""
    return _with_bad_count(
        CrmImport.objects.select_related("created_by").defer("error_rows")
    )


def crm_import_get(*, pk: int) -> CrmImport:
    """One import with its uploader and `bad_count`; raises CrmImport.DoesNotExist."""
    return _with_bad_count(CrmImport.objects.select_related("created_by")).get(pk=pk)
