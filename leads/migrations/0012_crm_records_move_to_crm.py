"""CRM records move to the `crm` app: leads' state only, no data moves.

crm 0001 added Account, Contact, Opportunity and CrmImport to crm's state over the same
tables; here the foreign keys of leads point at them and the old models leave leads'
state. `database_operations` is empty: the tables, their rows, indexes and foreign-key
constraints (which name the unchanged tables) stay as they are.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0001_initial'),
        ('distribution', '0003_held_account_to_crm'),
        ('leads', '0011_crm_contacts_key_counts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='deal',
                    name='opportunity',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deals', to='crm.opportunity'),
                ),
                migrations.AlterField(
                    model_name='duplicatematch',
                    name='target_account',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='crm.account'),
                ),
                migrations.AlterField(
                    model_name='duplicatematch',
                    name='target_opportunity',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='crm.opportunity'),
                ),
                migrations.DeleteModel(name='Contact'),
                migrations.DeleteModel(name='Opportunity'),
                migrations.DeleteModel(name='CrmImport'),
                migrations.DeleteModel(name='Account'),
            ],
        ),
    ]
