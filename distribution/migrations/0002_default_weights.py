"""Publish version 1 of the matching weights (the defaults in distribution.choices)."""

from django.db import migrations

WEIGHTS = {
    "vertical": 15, "segment": 8, "use_case": 12, "region": 10, "language": 6,
    "capabilities": 12, "proof_points": 15, "capacity": 5, "acceptance_speed": 5,
    "win_rate": 6, "reporting": 4, "tier": 2,
}


def seed(apps, schema_editor):
    MatchingWeights = apps.get_model("distribution", "MatchingWeights")
    MatchingWeights.objects.get_or_create(
        version=1, defaults={"weights": WEIGHTS, "note": "Initial defaults."}
    )


class Migration(migrations.Migration):
    dependencies = [("distribution", "0001_vendor_leads_offers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
