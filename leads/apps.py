from django.apps import AppConfig


class LeadsConfig(AppConfig):
    """Deal registrations, normalization and screening (CRM records live in `crm`)."""

    name = "leads"
