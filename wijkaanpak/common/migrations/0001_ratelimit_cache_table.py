"""The table of the rate limits' database cache (wijkaanpak.common.cache.DatabaseCache).

Created by every `migrate`, so no deployment needs `manage.py createcachetable`; the table is
made whether or not REDIS_URL is set at the time, so a later switch away from Redis finds it.
The name is settings.RATELIMIT_CACHE_TABLE's; it is written here because a migration must not
change with the settings.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "wijkaanpak_ratelimit_cache"


def create_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_table, drop_table, elidable=False)]
