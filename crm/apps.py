from django.apps import AppConfig


class CrmConfig(AppConfig):
    """The vendor's CRM records (accounts, contacts, opportunities) and their CSV imports."""

    name = "crm"
    verbose_name = "CRM"
