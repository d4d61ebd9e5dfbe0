"""Create the single ProgramRules row and the default tiers on a fresh install."""

from django.db import migrations

DEFAULT_TIERS = [
    ("Registered", 10, "Entry tier: deal registration and the standard protection window."),
    ("Silver", 20, "Proven partners: priority review and vendor lead offers."),
    ("Gold", 30, "Strategic partners: first look at vendor leads in their specialisms."),
    ("Platinum", 40, "Top partners: dedicated partner owner and joint planning."),
]

DEFAULT_TEXT = """\
1. Register a deal before you engage the vendor's sales team on it.
2. The first complete registration of an end customer inside the protection window holds, \
until a partner owner decides otherwise.
3. A registration needs the end customer, the contact, the need and how you were introduced. \
Registrations that lack them are returned with questions, not rejected outright.
4. Partner owners review every registration within the review SLA. Conflicts between \
partners, or with the vendor's direct sales, are always decided by a person.
5. Accepted deals are protected for the protection window; ask your partner owner for an \
extension before it ends.
"""


def create_defaults(apps, schema_editor):
    Tier = apps.get_model("partners", "Tier")
    ProgramRules = apps.get_model("partners", "ProgramRules")
    for name, rank, description in DEFAULT_TIERS:
        Tier.objects.get_or_create(name=name, defaults={"rank": rank, "description": description})
    ProgramRules.objects.get_or_create(pk=1, defaults={"engagement_text": DEFAULT_TEXT})


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
