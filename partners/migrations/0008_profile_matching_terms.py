"""The capability profile's claimed term ids, for matching's first pass (backfilled)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    profile_model = apps.get_model("partners", "CapabilityProfile")
    claim_model = apps.get_model("partners", "CapabilityClaim")
    lists: dict[int, tuple[list[int], list[int]]] = {}
    for partner_id, term_id, verified_at in claim_model.objects.order_by(
            "partner_id", "term_id").values_list("partner_id", "term_id", "verified_at"):
        lists.setdefault(partner_id, ([], []))[0 if verified_at else 1].append(term_id)
    rows = []
    for profile in profile_model.objects.only("pk", "partner_id"):
        verified, unverified = lists.get(profile.partner_id, ([], []))
        profile.terms_verified = "".join(f"|{t}" for t in verified) + "|" if verified else ""
        profile.terms_unverified = "".join(f"|{t}" for t in unverified) + "|" if unverified else ""
        rows.append(profile)
    profile_model.objects.bulk_update(rows, ["terms_verified", "terms_unverified"],
                                      batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0007_seed_vocabularies"),
    ]

    operations = [
        migrations.AddField(
            model_name="capabilityprofile",
            name="terms_verified",
            field=models.TextField(
                blank=True, default="", editable=False,
                help_text="Derived from the claims: ids of the verified claims' terms, for matching."),
        ),
        migrations.AddField(
            model_name="capabilityprofile",
            name="terms_unverified",
            field=models.TextField(
                blank=True, default="", editable=False,
                help_text="Derived from the claims: ids of the unverified claims' terms."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
