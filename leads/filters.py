"""Filters for deal lists (partner dashboard and API), built on django-filter."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from leads.choices import DealSource, DealStatus, Urgency
from leads.models import Deal


class DealFilter(django_filters.FilterSet):
    """Search and filter a queryset that is already scoped to one partner."""

    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    status = django_filters.ChoiceFilter(choices=DealStatus.choices, empty_label=_("Any status"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, empty_label=_("Any urgency"))
    source = django_filters.ChoiceFilter(choices=DealSource.choices, empty_label=_("Any source"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              label=_("Created from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label=_("Created until"))

    class Meta:
        model = Deal
        fields = ["q", "status", "urgency", "source", "created_after", "created_before"]

    def search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(company_name__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(contact_email__icontains=value)
            | Q(norm_domain__icontains=value.lower())
        )
        if value.upper().startswith("DR-") and value[3:].isdigit():
            condition |= Q(pk=int(value[3:]))
        return queryset.filter(condition)
