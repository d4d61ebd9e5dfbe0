"""The labels audit events name their targets by, across moves between apps.

An event stores its target's model label (`target_type`, and `subject_type` on its
personal values) as written, and the log is append-only and hash-chained, so events
are never relabelled. When a model moves to another app, its old label goes here, and
every read by target (an object's audit trail, erasing a subject's values) asks for
both: the CRM records lived in `leads` until they moved to `crm`.
"""

from django.db import models

FORMER_LABELS: dict[str, tuple[str, ...]] = {
    "crm.account": ("leads.account",),
    "crm.contact": ("leads.contact",),
    "crm.opportunity": ("leads.opportunity",),
    "crm.crmimport": ("leads.crmimport",),
}


def target_types(model: type[models.Model] | models.Model) -> list[str]:
    """Every label events about `model` (a class or an instance) may carry, newest first."""
    label = model._meta.label_lower
    return [label, *FORMER_LABELS.get(label, ())]
