"""Choices for the partners app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PROBATION = "probation", _("Probation")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


# Organizations in these states may sign in and read, but not register deals.
READ_ONLY_STATUSES = {ProgramStatus.SUSPENDED, ProgramStatus.TERMINATED}


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Partner admin")
    REP = "rep", _("Partner rep")


class StaffRole(models.TextChoices):
    """Vendor staff roles, stored as Django groups of these names."""

    PARTNER_OWNER = "partner_owner", _("Partner owner")
    SALES_OWNER = "sales_owner", _("Sales owner")
    PROGRAM_ADMIN = "program_admin", _("Program admin")


# Staff who may decide deals (accept, reject, ask), assign review tasks and grant extensions.
REVIEWER_ROLES = {StaffRole.PARTNER_OWNER, StaffRole.PROGRAM_ADMIN}


class VocabularyKind(models.TextChoices):
    """The controlled lists a capability profile, proof point or vendor lead draws from."""

    VERTICAL = "vertical", _("Vertical")
    SEGMENT = "segment", _("Segment")
    USE_CASE = "use_case", _("Function or use case")
    REGION = "region", _("Region")
    LANGUAGE = "language", _("Language")
    CERTIFICATION = "certification", _("Certification")
    CAPABILITY = "capability", _("Capability")


# Kinds a vendor lead's "required capabilities" are drawn from.
REQUIRED_CAPABILITY_KINDS = {VocabularyKind.CERTIFICATION, VocabularyKind.CAPABILITY}
