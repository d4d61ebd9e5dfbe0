from django.apps import AppConfig


class LeadsConfig(AppConfig):
    """Deal registrations, CRM records, normalization and the screening tasks."""

    name = "leads"
