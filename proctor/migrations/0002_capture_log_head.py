from django.db import migrations


def create_head(apps, schema_editor):
    # The chain's tip exists from the start, so the first two appends cannot race to create it.
    apps.get_model("proctor", "CaptureLogHead").objects.get_or_create(pk=1, defaults={"length": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("proctor", "0001_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
