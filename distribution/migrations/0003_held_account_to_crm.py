"""VendorLead.held_account points at crm.Account (moved from leads): state only.

The table is still `leads_account`, so the column and its constraint stay as they are.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0001_initial'),
        ('distribution', '0002_default_weights'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='vendorlead',
                    name='held_account',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='crm.account'),
                ),
            ],
        ),
    ]
