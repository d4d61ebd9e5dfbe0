"""The table of the "database" cache, where the default cache goes while Redis is down.

Created by migration rather than by a separate `createcachetable` step, so every way of
deploying (bin/run, docker-compose, CI, the test databases) has it.
"""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


def _table() -> str:
    return settings.CACHES.get("database", {}).get("LOCATION", "portal_cache")


def create_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, _table(), dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(_table())}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_table, drop_table)]
