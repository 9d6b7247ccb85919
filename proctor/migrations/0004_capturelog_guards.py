"""The database refuses to change or remove capture-log rows: triggers on PostgreSQL and SQLite
(proctor.models.guards), chosen by the connection's vendor."""

from django.db import migrations


def install(apps, schema_editor):
    from proctor.models import guards

    guards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from proctor.models import guards

    guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("proctor", "0003_capturelog_checkpoint")]
    operations = [migrations.RunPython(install, remove)]
