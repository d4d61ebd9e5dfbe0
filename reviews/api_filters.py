"""Filters of the staff API's deal and task lists (the review queue's filters).

The SLA state of an open task is derived from its due time, never stored: `overdue` (past
due), `due_24h` (due within 24 hours), `on_time` (due later), or `paused` while its clock is
stopped because the partner owes an answer (escalation skips those). The review queue's
page uses the same values (`reviews.selectors.SlaState`).
The task conditions of a deal filter (kind, assignee, mine, SLA) apply to one and the same
open task, so "mine and overdue" means one overdue task of mine, not two different tasks.
"""

from datetime import datetime, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from leads.choices import DealStatus, StopRule
from leads.filters import DealFilter
from leads.models import Deal, StopRuleHit
from partners.models import PartnerOrganization, Tier
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask


class SlaState:
    ON_TIME = "on_time"
    DUE_24H = "due_24h"
    OVERDUE = "overdue"
    PAUSED = "paused"
    CHOICES = [
        (ON_TIME, _("On time")),
        (DUE_24H, _("Due within 24 hours")),
        (OVERDUE, _("Overdue")),
        (PAUSED, _("Paused while the partner owes an answer")),
    ]


SOON = timedelta(hours=24)


def sla_q(state: str, *, now: datetime, prefix: str = "") -> Q:
    """The condition, on an open task's fields (under `prefix`), for an SLA state."""
    due, paused = f"{prefix}due_at", f"{prefix}paused_at__isnull"
    if state == SlaState.OVERDUE:
        return Q(**{paused: True, f"{due}__lt": now})
    if state == SlaState.DUE_24H:
        return Q(**{paused: True, f"{due}__gte": now, f"{due}__lt": now + SOON})
    if state == SlaState.PAUSED:
        return Q(**{paused: False})
    return Q(**{paused: True, f"{due}__gte": now + SOON})


def sla_state(task: ReviewTask, *, now: datetime) -> str | None:
    """A task's SLA state; None once it is done or cancelled."""
    if task.status != TaskStatus.OPEN:
        return None
    if task.paused_at is not None:
        return SlaState.PAUSED
    if task.due_at < now:
        return SlaState.OVERDUE
    if task.due_at < now + SOON:
        return SlaState.DUE_24H
    return SlaState.ON_TIME


class FlagWidget(forms.TextInput):
    """Reads `1`/`0` as well as `true`/`false` (`?mine=1`); anything else means "not set"."""

    VALUES = {"1": True, "true": True, "yes": True, "on": True,
              "0": False, "false": False, "no": False, "off": False}

    def value_from_datadict(self, data, files, name: str) -> bool | None:
        return self.VALUES.get(str(data.get(name, "")).strip().lower())


def _flag(**kwargs) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(widget=FlagWidget, **kwargs)


def _staff_users() -> QuerySet:
    return get_user_model().objects.filter(is_staff=True)


class StaffDealFilter(DealFilter):
    """The review queue's filters over every deal (the search is the partner list's)."""

    partner = django_filters.ModelChoiceFilter(
        queryset=PartnerOrganization.objects.all(), label=_("Partner"))
    tier = django_filters.ModelChoiceFilter(
        field_name="partner__tier", queryset=Tier.objects.all(), label=_("Tier"))
    conflict = _flag(
        method="filter_conflict", label=_("Attribution conflict open"))
    stop_rule = django_filters.ChoiceFilter(
        choices=StopRule.choices, method="filter_stop_rule", label=_("Stop rule hit"))
    sla = django_filters.ChoiceFilter(
        choices=SlaState.CHOICES, method="filter_task", label=_("SLA state of an open task"))
    kind = django_filters.ChoiceFilter(
        choices=TaskKind.choices, method="filter_task", label=_("Kind of an open task"))
    assignee = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        queryset=_staff_users(), method="filter_task", label=_("Assignee of an open task")))
    mine = _flag(
        method="filter_task", label=_("Has an open task assigned to me"))

    class Meta:
        model = Deal
        fields = ["q", "status", "partner", "tier", "conflict", "stop_rule", "sla", "kind",
                  "assignee", "mine", "urgency", "source", "created_after", "created_before"]

    def search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        """The partner list's search (company, contact, domain, reference) or the partner's name."""
        if not value.strip():
            return queryset
        return super().search(queryset, name, value) | queryset.filter(
            partner__name__icontains=value.strip())

    def filter_conflict(self, queryset: QuerySet[Deal], name: str, value: bool | None) -> QuerySet[Deal]:
        if value is None:
            return queryset
        open_conflict = Q(routing_paused=True) | Exists(ReviewTask.objects.filter(
            deal=OuterRef("pk"), kind=TaskKind.ATTRIBUTION_CONFLICT, status=TaskStatus.OPEN))
        return queryset.filter(open_conflict if value else ~open_conflict)

    def filter_stop_rule(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        if not value:
            return queryset
        return queryset.filter(Exists(StopRuleHit.objects.filter(deal=OuterRef("pk"), rule=value)))

    def filter_task(self, queryset: QuerySet[Deal], name: str, value) -> QuerySet[Deal]:
        # The task conditions are applied together in filter_queryset.
        return queryset

    def filter_queryset(self, queryset: QuerySet[Deal]) -> QuerySet[Deal]:
        queryset = super().filter_queryset(queryset)
        condition = self._task_condition()
        if condition is None:
            return queryset
        tasks = ReviewTask.objects.filter(condition, deal=OuterRef("pk"), status=TaskStatus.OPEN)
        return queryset.filter(Exists(tasks))

    def _task_condition(self) -> Q | None:
        data = self.form.cleaned_data
        parts = []
        if data.get("kind"):
            parts.append(Q(kind=data["kind"]))
        if data.get("assignee") is not None:
            parts.append(Q(assignee=data["assignee"]))
        if data.get("mine"):
            parts.append(Q(assignee_id=self.request.user.pk))
        if data.get("sla"):
            parts.append(sla_q(data["sla"], now=timezone.now()))
        if not parts:
            return None
        condition = Q()
        for part in parts:
            condition &= part
        return condition


class StaffTaskFilter(django_filters.FilterSet):
    """Review tasks: open ones by default; mine, SLA state, kind, status, deal."""

    status = django_filters.ChoiceFilter(
        choices=TaskStatus.choices, method="filter_status",
        label=_("Status (default: open)"))
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices, label=_("Kind"))
    deal = django_filters.NumberFilter(field_name="deal_id", label=_("Deal id"))
    assignee = django_filters.ModelChoiceFilter(queryset=_staff_users(), label=_("Assignee"))
    mine = _flag(method="filter_mine", label=_("Assigned to me"))
    sla = django_filters.ChoiceFilter(
        choices=SlaState.CHOICES, method="filter_sla", label=_("SLA state (open tasks)"))
    deal_status = django_filters.ChoiceFilter(
        field_name="deal__status", choices=DealStatus.choices, label=_("Status of the deal"))

    class Meta:
        model = ReviewTask
        fields = ["status", "kind", "deal", "assignee", "mine", "sla", "deal_status"]

    def filter_status(self, queryset: QuerySet[ReviewTask], name: str, value: str) -> QuerySet[ReviewTask]:
        return queryset  # applied in filter_queryset, so that "open" is the default

    def filter_mine(self, queryset: QuerySet[ReviewTask], name: str, value: bool | None) -> QuerySet[ReviewTask]:
        if not value:
            return queryset
        return queryset.filter(assignee_id=self.request.user.pk)

    def filter_sla(self, queryset: QuerySet[ReviewTask], name: str, value: str) -> QuerySet[ReviewTask]:
        if not value:
            return queryset
        return queryset.filter(sla_q(value, now=timezone.now()), status=TaskStatus.OPEN)

    def filter_queryset(self, queryset: QuerySet[ReviewTask]) -> QuerySet[ReviewTask]:
        status = self.form.cleaned_data.get("status") or TaskStatus.OPEN
        return super().filter_queryset(queryset).filter(status=status)
