"""The documented CSV columns of each import kind, and how each value is checked.

Each column names the model field it fills and a parser that turns the cell's text into
the field's value or raises RowProblem with the reason shown to the user.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext as _

from crm.choices import ImportKind, OpportunityStage
from crm.models import Account, Contact, Opportunity
from leads.normalize import country_code
from partnerportal.exceptions import ApplicationError


class CrmFileError(ApplicationError):
    """The file cannot be imported at all (too big, not CSV, missing columns)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


class RowProblem(ValueError):
    """One value of one row is unusable; the message is the reason shown to the user."""


@dataclasses.dataclass
class Lookups:
    """Reference data the parsers need, loaded once per run."""

    staff_by_email: dict[str, int]

    @classmethod
    def load(cls) -> Lookups:
        users = get_user_model().objects.filter(is_staff=True, is_active=True)
        emails = users.values_list("email", "pk")
        return cls({email.lower(): pk for email, pk in emails if email})


def _text(value: str, column: str, lookups: Lookups) -> str:
    return value


def _country(value: str, column: str, lookups: Lookups) -> str:
    code = country_code(value)
    if code is None:
        raise RowProblem(
            _("%(column)s '%(value)s' is not an ISO 3166 country code")
            % {"column": column, "value": value}
        )
    return str(code)


def _phone(value: str, column: str, lookups: Lookups) -> str:
    if value and not any(ch.isdigit() for ch in value):
        raise RowProblem(
            _("%(column)s '%(value)s' is not a phone number") % {"column": column, "value": value}
        )
    return value


def _email(value: str, column: str, lookups: Lookups) -> str:
    if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise RowProblem(
            _("%(column)s '%(value)s' is not an e-mail address")
            % {"column": column, "value": value}
        )
    return value


_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


def _boolean(value: str, column: str, lookups: Lookups) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise RowProblem(
        _(
            "%(column)s '%(value)s' is not a yes/no value (use true/false, "
            "yes/no, y/n or 1/0)"
        )
        % {"column": column, "value": value}
    )


def _owner(value: str, column: str, lookups: Lookups) -> int | None:
    if not value:
        return None
    owner_id = lookups.staff_by_email.get(value.lower())
    if owner_id is None:
        raise RowProblem(
            _("%(column)s '%(value)s' matches no active staff user")
            % {"column": column, "value": value}
        )
    return owner_id


_AMOUNT_RE = re.compile(r"-?\d+(?:[.,]\d+)?")
_MAX_AMOUNT = Decimal("999999999999.99")  # Opportunity.amount: 14 digits, 2 decimals


def _amount(value: str, column: str, lookups: Lookups) -> Decimal | None:
    if not value:
        return None
    names = {"column": column, "value": value}
    if not _AMOUNT_RE.fullmatch(value):
        raise RowProblem(
            _(
                "%(column)s '%(value)s' is not a number (write 1234.50, "
                "without currency or thousands separators)"
            )
            % names
        )
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern rules this out
        raise RowProblem(_("%(column)s '%(value)s' is not a number") % names) from error
    if amount < 0:
        raise RowProblem(_("%(column)s '%(value)s' is negative") % names)
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise RowProblem(
            _("%(column)s '%(value)s' has more than 2 decimal places") % names
        )
    if amount > _MAX_AMOUNT:
        raise RowProblem(_("%(column)s '%(value)s' is too large") % names)
    return amount.quantize(Decimal("0.01"))


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: str, column: str, lookups: Lookups) -> date | None:
    if not value:
        return None
    names = {"column": column, "value": value}
    if not _DATE_RE.fullmatch(value):
        raise RowProblem(
            _("%(column)s '%(value)s' is not a date in YYYY-MM-DD form") % names
        )
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise RowProblem(
            _("%(column)s '%(value)s' is not a valid date") % names
        ) from error


def _stage(value: str, column: str, lookups: Lookups) -> str:
    key = re.sub(r"[\s\-]+", "_", value.lower())  # "Closed Won" -> closed_won
    if key in OpportunityStage.values:
        return key
    raise RowProblem(
        _("%(column)s '%(value)s' is not one of: %(allowed)s")
        % {
            "column": column,
            "value": value,
            "allowed": ", ".join(OpportunityStage.values),
        }
    )


@dataclasses.dataclass(frozen=True)
class Column:
    """One documented CSV column: the model field it fills and how it is checked."""

    name: str
    field: str
    parse: Callable[[str, str, Lookups], Any]
    required: bool = False
    max_length: int | None = None
    aliases: tuple[str, ...] = ()


_ACCOUNT = ImportKind.ACCOUNTS
_OPPORTUNITY = ImportKind.OPPORTUNITIES
_CONTACT = ImportKind.CONTACTS
# Documented in the README ("CRM import"); aliases are matched after lower-casing the
# header and turning spaces and punctuation into "_".
COLUMNS: dict[str, tuple[Column, ...]] = {
    _ACCOUNT: (
        Column("external_id", "external_id", _text, required=True, max_length=64,
               aliases=("id", "account_id", "account_external_id", "crm_id")),
        Column("name", "name", _text, required=True, max_length=200,
               aliases=("account_name", "company", "company_name")),
        Column("website", "website", _text, max_length=255,
               aliases=("domain", "url", "web")),
        Column("country", "country", _country, aliases=("country_code",)),
        Column("industry", "industry", _text, max_length=100, aliases=("sector",)),
        Column("phone", "phone", _phone, max_length=40,
               aliases=("telephone", "phone_number", "tel", "main_phone", "switchboard")),
        Column("street", "street", _text, max_length=200,
               aliases=("address", "street_address", "address_line_1", "address1",
                        "billing_street")),
        Column("city", "city", _text, max_length=100, aliases=("town", "billing_city")),
        Column("postal_code", "postal_code", _text, max_length=20,
               aliases=("zip", "zip_code", "zipcode", "postcode", "post_code",
                        "billing_postal_code")),
        Column("region", "region", _text, max_length=100,
               aliases=("state", "province", "county", "billing_state")),
        Column("sales_owner_email", "sales_owner_id", _owner, max_length=254,
               aliases=("owner_email", "sales_owner", "owner")),
        Column("strategic", "is_strategic", _boolean, aliases=("is_strategic",)),
        Column("customer", "is_customer", _boolean,
               aliases=("is_customer", "existing_customer")),
    ),
    _CONTACT: (
        Column("external_id", "external_id", _text, required=True, max_length=64,
               aliases=("id", "contact_id", "contact_external_id", "crm_id")),
        Column("account_external_id", "account_external_id", _text, required=True,
               max_length=64, aliases=("account_id", "account")),
        Column("name", "name", _text, max_length=150,
               aliases=("contact_name", "full_name")),
        Column("email", "email", _email, max_length=254,
               aliases=("e_mail", "email_address", "contact_email")),
        Column("phone", "phone", _phone, max_length=40,
               aliases=("telephone", "phone_number", "tel", "mobile", "contact_phone")),
        Column("title", "title", _text, max_length=150, aliases=("job_title", "position")),
    ),
    _OPPORTUNITY: (
        Column("external_id", "external_id", _text, required=True, max_length=64,
               aliases=("id", "opportunity_id", "opportunity_external_id", "crm_id")),
        Column("account_external_id", "account_external_id", _text, required=True,
               max_length=64, aliases=("account_id", "account")),
        Column("name", "name", _text, required=True, max_length=200,
               aliases=("opportunity_name", "opportunity")),
        Column("stage", "stage", _stage, required=True,
               aliases=("opportunity_stage", "status")),
        Column("owner_email", "owner_id", _owner, max_length=254,
               aliases=("sales_owner_email", "owner", "sales_owner")),
        Column("amount", "amount", _amount, aliases=("value",)),
        Column("close_date", "close_date", _date,
               aliases=("closedate", "expected_close_date", "close")),
    ),
}
MODELS: dict[str, type[models.Model]] = {
    ImportKind.ACCOUNTS: Account,
    ImportKind.CONTACTS: Contact,
    ImportKind.OPPORTUNITIES: Opportunity,
}


def _header_key(name: str) -> str:
    name = name.strip().lstrip("\ufeff").removeprefix("ï»¿")
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def map_header(header: list[str], kind: str) -> list[Column | None]:
    """The column each header cell means (None: ignored).

    Refuses a header that lacks a required column or names one twice.
    """
    by_key = {key: c for c in COLUMNS[kind] for key in (c.name, *c.aliases)}
    mapped = [by_key.get(_header_key(cell)) for cell in header]
    names = [c.name for c in mapped if c]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise CrmFileError(
            _("More than one column means %(names)s.") % {"names": ", ".join(doubled)}
        )
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in names]
    if missing:
        raise CrmFileError(
            _(
                "The file has no %(missing)s column, so it cannot be imported as "
                "%(kind)s. Expected columns: %(expected)s."
            )
            % {
                "kind": ImportKind(kind).label.lower(),
                "missing": ", ".join(missing),
                "expected": ", ".join(c.name for c in COLUMNS[kind]),
            }
        )
    return mapped
