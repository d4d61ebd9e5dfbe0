from django.apps import AppConfig


class AttributionConfig(AppConfig):
    """Attribution and compensation (filled in by a later issue)."""

    name = "attribution"
