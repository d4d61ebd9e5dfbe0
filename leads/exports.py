"""The partner's CSV export of its own deals: the dashboard's list, with its filters.

Written by the shared formula-safe writer (`partnerportal.csv`), so text a partner or a
customer typed cannot run as a spreadsheet formula. One query for the deals plus one per
500 for their products, whatever the number of rows.
"""

from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.services import audit_record
from leads.models import Deal

CHUNK = 500


def _user(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def _when(value):
    return timezone.localtime(value).replace(microsecond=0) if value else None


def deal_export_columns() -> list[tuple[str, object]]:
    """(header, value of a deal) for each column, in file order."""
    return [
        (_("Reference"), lambda d: d.reference),
        (_("Status"), lambda d: d.get_status_display()),
        (_("Company"), lambda d: d.company_name),
        (_("Website"), lambda d: d.website),
        (_("Country"), lambda d: str(d.country or "")),
        (_("Industry"), lambda d: d.industry),
        (_("Company size"), lambda d: d.get_company_size_display()),
        (_("Contact name"), lambda d: d.contact_name),
        (_("Contact title"), lambda d: d.contact_title),
        (_("Contact e-mail"), lambda d: d.contact_email),
        (_("Contact phone"), lambda d: d.contact_phone),
        (_("Contact authority"), lambda d: d.get_contact_authority_display()),
        (_("Need and use case"), lambda d: d.need),
        (_("Urgency"), lambda d: d.get_urgency_display()),
        (_("Timeline"), lambda d: d.timeline),
        (_("Estimated value"), lambda d: d.estimated_value),
        (_("Currency"), lambda d: d.currency),
        (_("Products"), lambda d: "; ".join(p.name for p in d.products.all())),
        (_("Introduction path"), lambda d: d.get_introduction_path_display()),
        (_("Customer consent"), lambda d: _("yes") if d.customer_consent else _("no")),
        (_("Created by"), lambda d: _user(d.created_by)),
        (_("Owner"), lambda d: _user(d.owner)),
        (_("Created"), lambda d: _when(d.created_at)),
        (_("Submitted"), lambda d: _when(d.submitted_at)),
        (_("Decided"), lambda d: _when(d.decided_at)),
        (_("Protected until"), lambda d: _when(d.protected_until)),
    ]


def deal_export_queryset(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """`deals` (already scoped to one partner and filtered) with what the file shows loaded."""
    return deals.select_related("created_by", "owner").prefetch_related("products")


def deal_export_rows(deals: Iterable[Deal], columns) -> Iterator[list]:
    for deal in deals:
        yield [value(deal) for _header, value in columns]


def deal_export_filename(partner) -> str:
    return f"deals-{slugify(partner.name) or 'partner'}-{timezone.localdate().isoformat()}.csv"


def deal_export_record(*, partner, actor, filters: dict) -> None:
    """Audit that `actor` downloaded the organization's deals with `filters` (an export
    carries personal data out of the portal, so who took which list is on record)."""
    with transaction.atomic():
        audit_record(actor=actor, action="deal.export", target=partner, partner=partner,
                     after={"filters": {k: str(v)[:200] for k, v in filters.items()}})
