from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    """The program's measures: staff dashboard, partner scorecards, CSV and API."""

    name = "measurements"
    verbose_name = "Measurements"
