"""Seed the controlled vocabularies with a starting set program admins can edit."""

from django.db import migrations
from django.utils.text import slugify

TERMS = {
    "vertical": [
        "Healthcare", "Life sciences", "Financial services", "Insurance", "Retail and e-commerce",
        "Manufacturing", "Public sector", "Education", "Energy and utilities",
        "Telecommunications", "Media and entertainment", "Transport and logistics",
        "Professional services", "Technology and software", "Hospitality and travel",
        "Real estate", "Non-profit",
    ],
    "segment": ["SMB", "Mid-market", "Enterprise"],
    "use_case": [
        "Implementation and onboarding", "Data migration", "Integration", "Analytics and reporting",
        "Customer service", "Sales operations", "Marketing operations", "Finance and billing",
        "HR and people operations", "Security and compliance", "Managed services",
        "Training and enablement", "Custom development",
    ],
    "region": [
        "North America", "Latin America", "UK and Ireland", "DACH", "Nordics", "Benelux",
        "France", "Southern Europe", "Central and Eastern Europe", "Middle East", "Africa",
        "India", "Southeast Asia", "East Asia", "Australia and New Zealand",
    ],
    "language": [
        "English", "German", "French", "Spanish", "Portuguese", "Italian", "Dutch", "Swedish",
        "Polish", "Arabic", "Hindi", "Japanese", "Mandarin Chinese", "Korean",
    ],
    "certification": [
        "ISO 27001", "SOC 2", "HIPAA", "GDPR practitioner", "PCI DSS",
        "Vendor certified implementer", "Vendor certified administrator",
    ],
    "capability": [
        "Solution design", "Implementation", "Integration development", "Data engineering",
        "Change management", "Training", "24/7 support", "Managed service", "Reselling and billing",
    ],
}


def seed(apps, schema_editor):
    Vocabulary = apps.get_model("partners", "Vocabulary")
    for kind, names in TERMS.items():
        for position, name in enumerate(names, start=1):
            Vocabulary.objects.get_or_create(
                kind=kind, slug=slugify(name),
                defaults={"name": name, "position": position * 10},
            )


class Migration(migrations.Migration):
    dependencies = [("partners", "0006_capability_profiles_agreements")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
