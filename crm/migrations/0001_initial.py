"""CRM records move from `leads` to `crm`: Django's state only, no data moves.

The models keep their tables (`db_table = "leads_account"` etc.), so every index,
constraint, sequence and row stays as it is; `database_operations` is empty. This
migration adds the models to crm's state; leads 0012 then points the foreign keys of
leads at them and drops the old models from leads' state (distribution 0003 likewise).
On a database that already has content types, the four content types are renamed to crm,
so admin history (LogEntry) and any permissions stay attached.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["account", "contact", "opportunity", "crmimport"]


def _rename_content_types(apps, schema_editor, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(content_type.objects.filter(app_label=new, model__in=MODELS)
                .values_list("model", flat=True))
    content_type.objects.filter(app_label=old, model__in=MODELS).exclude(
        model__in=taken).update(app_label=new)


def content_types_to_crm(apps, schema_editor) -> None:
    _rename_content_types(apps, schema_editor, "leads", "crm")


def content_types_to_leads(apps, schema_editor) -> None:
    _rename_content_types(apps, schema_editor, "crm", "leads")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('leads', '0011_crm_contacts_key_counts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Account',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_id', models.CharField(max_length=64, unique=True)),
                        ('name', models.CharField(max_length=200)),
                        ('website', models.CharField(blank=True, max_length=255)),
                        ('country', models.CharField(blank=True, max_length=2)),
                        ('industry', models.CharField(blank=True, max_length=100)),
                        ('phone', models.CharField(blank=True, max_length=40)),
                        ('street', models.CharField(blank=True, max_length=200)),
                        ('city', models.CharField(blank=True, max_length=100)),
                        ('postal_code', models.CharField(blank=True, max_length=20)),
                        ('region', models.CharField(blank=True, max_length=100)),
                        ('is_strategic', models.BooleanField(default=False)),
                        ('is_customer', models.BooleanField(default=False, verbose_name='existing customer')),
                        ('norm_company', models.CharField(blank=True, max_length=200)),
                        ('name_words', models.CharField(blank=True, max_length=200)),
                        ('norm_domain', models.CharField(blank=True, db_index=True, max_length=255)),
                        ('norm_phone', models.CharField(blank=True, db_index=True, max_length=20)),
                        ('norm_city', models.CharField(blank=True, max_length=100)),
                        ('norm_postal_code', models.CharField(blank=True, max_length=20)),
                        ('norm_street', models.CharField(blank=True, max_length=200)),
                        ('norm_address', models.CharField(blank=True, db_index=True, max_length=140)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('sales_owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_accounts', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'leads_account',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Contact',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_id', models.CharField(max_length=64, unique=True)),
                        ('name', models.CharField(blank=True, max_length=150)),
                        ('email', models.CharField(blank=True, max_length=254)),
                        ('phone', models.CharField(blank=True, max_length=40)),
                        ('title', models.CharField(blank=True, max_length=150)),
                        ('norm_name', models.CharField(blank=True, max_length=150)),
                        ('norm_email', models.CharField(blank=True, db_index=True, max_length=254)),
                        ('norm_phone', models.CharField(blank=True, db_index=True, max_length=20)),
                        ('erased_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='crm.account')),
                    ],
                    options={
                        'db_table': 'leads_contact',
                        'ordering': ['account', 'name', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CrmImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('accounts', 'Accounts'), ('contacts', 'Contacts'), ('opportunities', 'Opportunities')], max_length=20)),
                        ('file', models.FileField(upload_to='crm_imports/%Y/%m/')),
                        ('original_name', models.CharField(blank=True, max_length=255)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('total_rows', models.PositiveIntegerField(default=0)),
                        ('processed_rows', models.PositiveIntegerField(default=0)),
                        ('created_count', models.PositiveIntegerField(default=0)),
                        ('updated_count', models.PositiveIntegerField(default=0)),
                        ('unchanged_count', models.PositiveIntegerField(default=0)),
                        ('error_rows', models.JSONField(blank=True, default=list)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('failure', models.TextField(blank=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='crm_imports', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'leads_crmimport',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Opportunity',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_id', models.CharField(max_length=64, unique=True)),
                        ('name', models.CharField(max_length=200)),
                        ('stage', models.CharField(choices=[('prospecting', 'Prospecting'), ('qualification', 'Qualification'), ('proposal', 'Proposal'), ('negotiation', 'Negotiation'), ('closed_won', 'Closed won'), ('closed_lost', 'Closed lost')], max_length=20)),
                        ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                        ('close_date', models.DateField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='opportunities', to='crm.account')),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_opportunities', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'opportunities',
                        'db_table': 'leads_opportunity',
                        'ordering': ['-close_date', 'name'],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_crm, content_types_to_leads),
    ]
