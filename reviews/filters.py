"""Filters, search and sort of the staff review queue (django-filter).

Every choice label carries its count over all open reviews (`reviews.selectors.QueueCounts`),
so the form tells a reviewer how much work sits behind each value before they pick it.
"""

from datetime import datetime

import django_filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from leads.choices import DECIDABLE_STATUSES, DealStatus, StopRule
from leads.models import Deal, StopRuleHit
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask
from reviews.selectors import (
    ME,
    UNASSIGNED,
    QueueCounts,
    SlaState,
    due_order,
    open_conflict_q,
    queue_sla_q,
)

ANY_RULE = "any"
SORT_CHOICES = [("due", _("Due soonest")), ("newest", _("Newest")), ("partner", _("Partner"))]


def _label(label, count: int) -> str:
    return f"{label} ({count})"


# The fixed choice labels, translated once per language (the form lists about fifty: each a
# lazy string translated again on every request was a visible share of the queue's time).
_FIXED_LABELS: dict[str | None, dict] = {}


def _fixed_labels() -> dict:
    language = get_language()
    labels = _FIXED_LABELS.get(language)
    if labels is None:
        labels = _FIXED_LABELS[language] = {
            "kind": [(k, str(label)) for k, label in TaskKind.choices],
            "status": [(s, str(DealStatus(s).label))
                       for s in DealStatus.values if s in DECIDABLE_STATUSES],
            "conflict": (str(_("Open conflict")), str(_("No conflict"))),
            "any_rule": str(_("Any stop rule")),
            "stop_rule": [(r, str(label)) for r, label in StopRule.choices],
            "sla": [(s, str(label)) for s, label in SlaState.choices],
            "me": str(_("Me")),
            "unassigned": str(_("Unassigned")),
        }
    return labels


def form_key(*, query: str, counts: QueueCounts, assignees) -> tuple:
    """Every input of the filter form's markup besides the language and the path: the query
    string (values, and so errors) and each count and assignee its options show. Pages keep
    the form's markup by it, so its filter set is built only when that changes."""
    def items(counter) -> tuple:
        return tuple(sorted(((str(k), v) for k, v in counter.items())))

    return (query, counts.total, counts.conflict, items(counts.status), items(counts.kind),
            items(counts.sla), items(counts.stop_rule), items(counts.assignee),
            tuple(counts.partner.items()), tuple(counts.tier.items()),
            tuple((u.pk, u.email, u.get_username()) for u in assignees))


class ReviewQueueFilter(django_filters.FilterSet):
    """Narrow `reviews.selectors.review_queue()`; `counts`, `now` and `request` are required."""

    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Task"), method="filter_kind",
                                       empty_label=_("Any task"))
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=_("Any status"))
    partner = django_filters.ChoiceFilter(label=_("Partner"), field_name="partner_id",
                                          empty_label=_("Any partner"))
    tier = django_filters.ChoiceFilter(label=_("Tier"), field_name="partner__tier_id",
                                       empty_label=_("Any tier"))
    conflict = django_filters.ChoiceFilter(label=_("Conflict"), method="filter_conflict",
                                           empty_label=_("Any"))
    stop_rule = django_filters.ChoiceFilter(label=_("Stop rule"), method="filter_stop_rule",
                                            empty_label=_("Any or none"))
    sla = django_filters.ChoiceFilter(label=_("SLA"), method="filter_sla",
                                      empty_label=_("Any SLA state"))
    assignee = django_filters.ChoiceFilter(label=_("Assignee"), method="filter_assignee",
                                           empty_label=_("Anyone"))
    sort = django_filters.ChoiceFilter(label=_("Sort"), method="sort_by", choices=SORT_CHOICES,
                                       empty_label=None)

    class Meta:
        model = Deal
        fields = ["q", "kind", "status", "partner", "tier", "conflict", "stop_rule", "sla",
                  "assignee", "sort"]

    def __init__(self, *args, counts: QueueCounts, now: datetime, assignees, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        fixed = _fixed_labels()
        choices = {
            "kind": [(k, _label(label, counts.kind[k])) for k, label in fixed["kind"]],
            "status": [(s, _label(label, counts.status[s])) for s, label in fixed["status"]],
            "partner": [(str(pk), _label(name, n)) for pk, (name, n) in counts.partner.items()],
            "tier": [(str(pk), _label(name, n)) for pk, (name, n) in counts.tier.items()],
            "conflict": [("1", _label(fixed["conflict"][0], counts.conflict)),
                         ("0", _label(fixed["conflict"][1], counts.total - counts.conflict))],
            "stop_rule": [(ANY_RULE, _label(fixed["any_rule"], counts.stop_rule[ANY_RULE]))]
            + [(r, _label(label, counts.stop_rule[r])) for r, label in fixed["stop_rule"]],
            "sla": [(s, _label(label, counts.sla[s])) for s, label in fixed["sla"]],
            "assignee": [(ME, _label(fixed["me"], counts.assignee[ME])),
                         (UNASSIGNED, _label(fixed["unassigned"], counts.assignee[UNASSIGNED]))]
            + [(str(u.pk), _label(u.email or u.get_username(), counts.assignee[u.pk]))
               for u in assignees],
        }
        for name, values in choices.items():
            self.filters[name].extra["choices"] = values
        # Bootstrap classes here rather than crispy templates: the queue renders its form on
        # every request, and a template per field was a visible share of the page's time.
        for name, form_field in self.form.fields.items():
            form_field.widget.attrs["class"] = (
                "form-control form-control-sm" if name == "q" else "form-select form-select-sm")

    def is_whole_queue_by_due_time(self) -> bool:
        """No filter or search chosen (or only invalid ones, which are ignored) and the
        default sort: the page is a slice of `reviews.selectors.QueueOrder`."""
        self.form.is_valid()  # fills cleaned_data with the valid fields
        chosen = {name: value for name, value in self.form.cleaned_data.items()
                  if value not in (None, "")}
        return chosen.get("sort", "due") == "due" and set(chosen) <= {"sort"}

    def search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        """Company, partner name, or a reference such as DR-000123 (or 123)."""
        value = value.strip()
        if not value:
            return queryset
        condition = Q(company_name__icontains=value) | Q(partner__name__icontains=value)
        digits = value[3:] if value.upper().startswith("DR-") else value
        if digits.isdigit() and len(digits) <= 12:
            condition |= Q(pk=int(digits))
        return queryset.filter(condition)

    def filter_kind(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return queryset.filter(Exists(ReviewTask.objects.filter(
            deal=OuterRef("pk"), status=TaskStatus.OPEN, kind=value)))

    def filter_conflict(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return queryset.filter(open_conflict_q()) if value == "1" else queryset.exclude(
            open_conflict_q())

    def filter_stop_rule(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        hits = StopRuleHit.objects.filter(deal=OuterRef("pk"))
        if value != ANY_RULE:
            hits = hits.filter(rule=value)
        return queryset.filter(Exists(hits))

    def filter_sla(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return queryset.filter(queue_sla_q(value, now=self.now))

    def filter_assignee(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        tasks = ReviewTask.objects.filter(deal=OuterRef("pk"), status=TaskStatus.OPEN)
        if value == ME:
            tasks = tasks.filter(assignee=self.request.user)
        elif value == UNASSIGNED:
            tasks = tasks.filter(assignee__isnull=True)
        else:
            tasks = tasks.filter(assignee_id=int(value))
        return queryset.filter(Exists(tasks))

    def sort_by(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        if value == "newest":
            return queryset.order_by(F("submitted_at").desc(nulls_last=True), "-id")
        if value == "partner":
            return queryset.order_by("partner__name", "partner_id", *due_order())
        return queryset.order_by(*due_order())
