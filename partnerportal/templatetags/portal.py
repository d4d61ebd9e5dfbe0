"""Formatting filters shared by the portal's templates.

Only presentation lives here: colours for statuses, labels for field names, money and JSON
display. Nothing here queries the database or decides a business rule, and every filter
returns plain strings so the template engine still escapes partner-written text.
"""

import itertools
import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from crispy_forms.utils import render_crispy_form
from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.forms import ModelChoiceField
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from leads.choices import DealStatus
from leads.models import Deal
from partnerportal.local_cache import LocalCache
from partners.choices import ProgramStatus

register = template.Library()

# Bootstrap 5.3 "text-bg-*" helpers give each badge a readable foreground for its colour.
STATUS_CLASSES = {
    DealStatus.DRAFT: "text-bg-secondary",
    DealStatus.SUBMITTED: "text-bg-info",
    DealStatus.SCREENING: "text-bg-info",
    DealStatus.IN_REVIEW: "text-bg-primary",
    DealStatus.NEEDS_INFO: "text-bg-warning",
    DealStatus.ACCEPTED: "text-bg-success",
    DealStatus.REJECTED: "text-bg-danger",
    DealStatus.CONVERTED: "text-bg-success",
    DealStatus.WON: "text-bg-success",
    DealStatus.LOST: "text-bg-dark",
    DealStatus.WITHDRAWN: "text-bg-light border",
    DealStatus.EXPIRED: "text-bg-light border",
}

PROGRAM_STATUS_CLASSES = {
    ProgramStatus.ACTIVE: "text-bg-success",
    ProgramStatus.PROBATION: "text-bg-warning",
    ProgramStatus.SUSPENDED: "text-bg-danger",
    ProgramStatus.TERMINATED: "text-bg-dark",
}


@register.filter
def status_class(status: str) -> str:
    """Badge classes for a deal status value."""
    return STATUS_CLASSES.get(status, "text-bg-secondary")


@register.filter
def status_label(status: str) -> str:
    """The display label of a raw deal status value."""
    try:
        return str(DealStatus(status).label)
    except ValueError:
        return status


@lru_cache(maxsize=512)
def _choice_labels(field: models.Field, language: str | None) -> dict[Any, str]:
    """A choices field's labels by value in one language, translated once per process."""
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def display(obj: models.Model | None, field_name: str) -> str:
    """`{{ deal|display:"status" }}` is `{{ deal.get_status_display }}` without its cost:
    Django rebuilds and hashes every choice's lazy label (a translation each) per call."""
    if obj is None:
        return ""
    field = obj._meta.get_field(field_name)
    value = getattr(obj, field.attname)
    return _choice_labels(field, get_language()).get(value, value)


@register.filter
def program_status_class(status: str) -> str:
    """Badge classes for a partner organization's program status."""
    return PROGRAM_STATUS_CLASSES.get(status, "text-bg-secondary")


@register.filter
def status_counts(counts: dict[str, int] | None) -> list[dict[str, Any]]:
    """Status counts in workflow order, skipping statuses with no deals."""
    counts = counts or {}
    return [
        {"value": value, "label": str(label), "count": counts[value]}
        for value, label in DealStatus.choices
        if counts.get(value)
    ]


@register.filter
def total(counts: dict[str, int] | None) -> int:
    """Sum of a status -> count mapping."""
    return sum((counts or {}).values())


@register.filter
def deal_field_label(name: str) -> str:
    """The human label of a Deal field name, e.g. for lists of missing fields."""
    try:
        label = Deal._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name.replace("_", " ")
    label = str(label)
    return label[:1].upper() + label[1:]


@register.filter
def money(value: Decimal | int | float | None, currency: str = "") -> str:
    """`12,345.00 USD`; an empty string when there is no amount."""
    if value in (None, ""):
        return ""
    amount = number_format(value, decimal_pos=2, force_grouping=True)
    return f"{amount} {currency}".strip()


@register.filter
def display_value(value: Any) -> str:
    """A raw form value as text: lists joined with commas, None as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@register.filter
def sorted_items(mapping: dict | None) -> list[tuple[str, Any]]:
    """A dict's items sorted by key; safe even when a key is named like a dict method."""
    if not isinstance(mapping, dict):
        return []
    return sorted(mapping.items(), key=lambda item: str(item[0]))


@register.filter
def pretty_json(value: Any) -> str:
    """Compact, key-sorted JSON for audit before/after columns (escaped by the template)."""
    if value in (None, "", {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1, default=str)


@register.simple_tag
def select_options(field) -> str:
    """The `<option>` elements of a bound choice field, its value selected, written in one
    pass: a template loop per option (with filters per option) cost a third of the staff
    queue's page, whose filters list every partner and every staff user."""
    value = field.value()
    current = "" if value is None else str(value)
    choices = tuple(field.field.choices)
    # Kept per process by the language, the selected value and the choices (the queue's
    # differ only when its counts do): formatting every option on every request cost more
    # than comparing them.
    key = (get_language(), current, choices)

    def render() -> str:
        return format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (choice, SELECTED if str(choice) == current else "", label)
            for choice, label in choices))

    if not _hashable(key):  # grouped choices
        return render()
    return _OPTIONS_HTML.get_or_set(key, render)


_OPTIONS_HTML = LocalCache(256)


SELECTED = mark_safe(" selected")  # noqa: S308 (a constant)


# Rendered crispy markup of unbound forms, per process, by everything the markup depends on.
_CRISPY_HTML = LocalCache(256)


def _crispy_key(form, *, tag: bool = True) -> tuple | None:
    """What an unbound form's crispy markup is made of (fields, labels, help, widgets and
    their attributes, initial values, choices, the helper's buttons, the language), or None
    when it cannot be kept: a bound form (values, errors) or one whose markup carries a CSRF
    token. Choice fields are given their choices as a list, so rendering does not query
    them again."""
    helper = getattr(form, "helper", None) if tag else None
    if form.is_bound or (tag and (helper is None or (helper.form_tag
                                                    and not helper.disable_csrf))):
        return None
    fields = []
    for bound in form:
        field = bound.field
        choices = ()
        if hasattr(field, "choices"):
            field.choices = choices = tuple((str(value), str(label))
                                            for value, label in _choices(field))
        fields.append((bound.html_name, bound.auto_id, str(bound.label), str(field.help_text),
                       field.required, field.disabled, type(field.widget).__name__,
                       tuple(sorted((k, str(v)) for k, v in field.widget.attrs.items())),
                       str(bound.value()), choices))
    if helper is None:  # the |crispy filter: fields only
        return ("filter", type(form).__qualname__, form.prefix, get_language(), tuple(fields))
    buttons = tuple((type(i).__name__, i.name, str(i.value), i.field_classes)
                    for i in helper.inputs)
    return (type(form).__qualname__, form.prefix, get_language(), tuple(fields), buttons,
            helper.form_tag, helper.disable_csrf, helper.layout is None,
            tuple(str(m) for m in getattr(form, "blockers", ())))


def _choices(field):
    """A field's choices; a model choice field's read in one plain query (its own iterator
    opens a server-side cursor: three statements and a held cursor on PostgreSQL)."""
    if not isinstance(field, ModelChoiceField):
        return field.choices
    iterator = field.iterator(field)
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return empty + [iterator.choice(obj) for obj in field.queryset.all()]


@register.filter
def crispy_cached_fields(form) -> str:
    """`{{ form|crispy }}` for forms shown unbound on busy pages: rendered once per
    distinct form (see `_crispy_key`) and reused; bound forms render as usual."""
    key = _crispy_key(form, tag=False)
    if key is None:
        return as_crispy_form(form)
    return _remember(key, lambda: str(as_crispy_form(form)))


def _remember(key: tuple, render) -> str:
    return mark_safe(_CRISPY_HTML.get_or_set(key, render))  # noqa: S308 (crispy's own escaped output)


@register.simple_tag(takes_context=True)
def crispy_cached(context, form) -> str:
    """`{% crispy form %}` for forms shown unbound on busy pages: the markup is rendered
    once per distinct form (see `_crispy_key`) and reused; bound forms render as usual."""
    key = _crispy_key(form)
    if key is None:
        return render_crispy_form(form, context=context.flatten())
    return _remember(key, lambda: str(render_crispy_form(form)))


# Rendered rows of `{% memo %}` blocks, per process, by the row's values (see MemoNode).
_MEMO_HTML = LocalCache(4096)
_memo_ids = itertools.count()


class MemoNode(template.Node):
    """`{% memo a b … %}…{% endmemo %}`: the block's output, kept per process and reused
    when the named values, the language and the time zone are the same. A model instance
    counts by its own values (every public attribute: its columns and annotations), any
    other value by its text. Only for blocks that read nothing but those values,
    translations and URLs (no other related object, no clock, no CSRF token): then the key
    holds every input, and a change is a new key."""

    def __init__(self, nodelist, values) -> None:
        self.nodelist = nodelist
        self.values = values
        self.block_id = next(_memo_ids)

    def render(self, context) -> str:
        key = (self.block_id, get_language(), timezone.get_current_timezone_name(),
               *(_memo_key(value.resolve(context)) for value in self.values))
        return _MEMO_HTML.get_or_set(key, lambda: self.nodelist.render(context))


def _memo_key(value: Any) -> Any:
    if isinstance(value, models.Model):
        return (value._meta.label, tuple(
            (name, item if _hashable(item) else repr(item))
            for name, item in vars(value).items() if not name.startswith("_")))
    return None if value is None else (type(value).__name__, str(value))


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@register.tag
def memo(parser, token) -> MemoNode:
    values = token.split_contents()[1:]
    if not values:
        raise template.TemplateSyntaxError("{% memo %} takes the values its block reads")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, [parser.compile_filter(value) for value in values])
