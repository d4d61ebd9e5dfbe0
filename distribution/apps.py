from django.apps import AppConfig


class DistributionConfig(AppConfig):
    """Vendor leads: matching to partners, offers and their SLA, outcome reports."""

    name = "distribution"
    verbose_name = "Lead distribution"
