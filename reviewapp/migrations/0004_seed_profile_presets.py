from django.db import migrations

from reviewapp.presets import presets_load


def load(apps, schema_editor):
    presets_load(apps.get_model("reviewapp", "ModelProfile"))


class Migration(migrations.Migration):
    dependencies = [("reviewapp", "0003_profile_adapter_config_post_filters")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
