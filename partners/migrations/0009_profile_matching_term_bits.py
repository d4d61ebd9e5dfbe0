"""The capability profile's claimed term ids as bitmaps, for matching's first pass on
PostgreSQL (backfilled)."""

from django.db import migrations, models


def bits(term_ids: list[int]) -> bytes:
    out = bytearray(max(term_ids) // 8 + 1 if term_ids else 0)
    for t in term_ids:
        out[t >> 3] |= 1 << (t & 7)
    return bytes(out)


def backfill(apps, schema_editor):
    profile_model = apps.get_model("partners", "CapabilityProfile")
    claim_model = apps.get_model("partners", "CapabilityClaim")
    lists: dict[int, tuple[list[int], list[int]]] = {}
    for partner_id, term_id, verified_at in claim_model.objects.values_list(
            "partner_id", "term_id", "verified_at").order_by():
        lists.setdefault(partner_id, ([], []))[0 if verified_at else 1].append(term_id)
    rows = []
    for profile in profile_model.objects.only("pk", "partner_id"):
        verified, unverified = lists.get(profile.partner_id, ([], []))
        profile.terms_verified_bits = bits(verified)
        profile.terms_unverified_bits = bits(unverified)
        rows.append(profile)
    profile_model.objects.bulk_update(rows, ["terms_verified_bits", "terms_unverified_bits"],
                                      batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0008_profile_matching_terms"),
    ]

    operations = [
        migrations.AddField(
            model_name="capabilityprofile",
            name="terms_verified_bits",
            field=models.BinaryField(
                blank=True, default=b"", editable=False,
                help_text="Derived from the claims: the verified claims' term ids as a bitmap."),
        ),
        migrations.AddField(
            model_name="capabilityprofile",
            name="terms_unverified_bits",
            field=models.BinaryField(
                blank=True, default=b"", editable=False,
                help_text="Derived from the claims: the unverified claims' term ids as a bitmap."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
