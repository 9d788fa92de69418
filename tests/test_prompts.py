"""Prompt formats and history trimming, with a real tokenizer."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from worker.prompts import build_prompt


@pytest.fixture(scope="module")
def tokenizer(tiny_llama):
    return AutoTokenizer.from_pretrained(tiny_llama.base_dir)


TURNS = [
    {"role": "user", "content": "First worry."},
    {"role": "assistant", "content": "Tell me more."},
    {"role": "user", "content": "Second worry."},
]


def render(tokenizer, fmt, turns=TURNS, budget=10_000, system="SYSTEM-PROMPT"):
    ids = build_prompt(
        tokenizer, prompt_format=fmt, system_prompt=system, turns=turns, max_prompt_tokens=budget
    )
    return tokenizer.decode(ids)


def test_it_uses_the_tokenizers_chat_template(tokenizer):
    text = render(tokenizer, "chat_template")
    assert text.startswith("<|im_start|>system\nSYSTEM-PROMPT<|im_end|>")
    assert text.endswith("<|im_start|>assistant\n")
    assert text.index("First worry.") < text.index("Tell me more.") < text.index("Second worry.")


def test_it_formats_llama2_inst_with_the_system_prompt_in_the_first_turn(tokenizer):
    text = render(tokenizer, "llama2")
    assert "[INST] <<SYS>>\nSYSTEM-PROMPT\n<</SYS>>\n\nFirst worry. [/INST]" in text
    assert text.rstrip().endswith("[INST] Second worry. [/INST]")
    assert text.count("<<SYS>>") == 1


def test_it_formats_raw_text_ending_where_the_reply_starts(tokenizer):
    text = render(tokenizer, "raw")
    assert text.endswith("Patient: Second worry.\nTherapist:")
    assert "SYSTEM-PROMPT" in text


@pytest.mark.parametrize("fmt", ["chat_template", "llama2", "raw"])
def test_it_drops_the_oldest_turns_first_and_keeps_the_system_prompt(tokenizer, fmt):
    full = len(tokenizer(render(tokenizer, fmt), add_special_tokens=False)["input_ids"])
    text = render(tokenizer, fmt, budget=full - 3)
    assert "SYSTEM-PROMPT" in text and "Second worry." in text
    assert "First worry." not in text and "Tell me more." not in text


def test_it_refuses_a_conversation_not_ending_with_the_patient(tokenizer):
    with pytest.raises(ValueError, match="must end with the patient"):
        render(tokenizer, "chat_template", turns=TURNS[:2])


def test_it_refuses_an_unknown_format(tokenizer):
    with pytest.raises(ValueError, match="unknown prompt format"):
        render(tokenizer, "alpaca")


@pytest.mark.parametrize(
    ("fmt", "generated", "reply"),
    [
        ("raw", " I hear you.\nPatient: thanks\nTherapist: ok", "I hear you."),
        ("llama2", " I hear you. [INST] invented turn [/INST]", "I hear you."),
        ("chat_template", " I hear you.\nPatient: kept as is", "I hear you.\nPatient: kept as is"),
    ],
)
def test_it_cuts_a_reply_where_the_model_starts_the_patients_next_turn(fmt, generated, reply):
    from worker.prompts import reply_only

    assert reply_only(fmt, generated) == reply
