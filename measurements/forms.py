"""Filters of the measurement pages: a month range (and, for staff, partner, tier and
grouping). Bad input is named beside its field; an empty form means the last six months."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from measurements.selectors import BY_CHOICES, BY_MONTH, BY_PARTNER, PARTNER, STAFF, Scope
from partners.models import PartnerOrganization, Tier

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DEFAULT_MONTHS = 6
MAX_MONTHS = 36


def parse_month(text: str) -> date:
    """'2026-11' as date(2026, 11, 1); ValidationError for anything else."""
    found = MONTH.match((text or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise ValidationError(_("Enter a month as YYYY-MM, for example 2026-11."))
    return date(int(found.group(1)), int(found.group(2)), 1)


def months_back(last: date, count: int) -> date:
    index = last.year * 12 + last.month - 1 - (count - 1)
    return date(index // 12, index % 12 + 1, 1)


def this_month() -> date:
    return timezone.localdate().replace(day=1)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        return parse_month(value) if value else None

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class ScorecardFilterForm(forms.Form):
    """A partner's scorecard: only the months (its own organization, month by month)."""

    month_from = MonthField(label=_("From month"), required=False)
    month_to = MonthField(label=_("To month"), required=False)

    audience = PARTNER

    def clean(self):
        data = super().clean()
        last = data.get("month_to") or this_month()
        first = data.get("month_from") or months_back(last, DEFAULT_MONTHS)
        if "month_to" not in self.errors and "month_from" not in self.errors:
            if first > last:
                self.add_error("month_to", _("The range ends before it starts."))
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                self.add_error("month_from", _("Choose at most %(n)d months.") % {"n": MAX_MONTHS})
        data["month_from"], data["month_to"] = first, last
        return data

    def scope(self) -> Scope:
        """The scope of valid input (call after is_valid())."""
        data = self.cleaned_data
        return Scope(month_from=data["month_from"], month_to=data["month_to"], by=BY_MONTH,
                     audience=self.audience)

    def chosen_partner(self):
        """The partner the staff filter picked (None: all); a scorecard has none."""
        return None


class MeasurementFilterForm(ScorecardFilterForm):
    """The staff dashboard: months, one partner or all, one tier or all, and the grouping."""

    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=PartnerOrganization.objects.order_by("name"),
        empty_label=_("All partners"))
    tier = forms.ModelChoiceField(label=_("Tier"), required=False,
                                  queryset=Tier.objects.order_by("rank", "name"),
                                  empty_label=_("All tiers"))
    by = forms.ChoiceField(label=_("Show by"), required=False, choices=BY_CHOICES)

    audience = STAFF

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(month_from=data["month_from"], month_to=data["month_to"],
                     tier_id=data["tier"].pk if data.get("tier") else None,
                     by=data.get("by") or BY_PARTNER, audience=self.audience)

    def chosen_partner(self):
        return self.cleaned_data.get("partner")
