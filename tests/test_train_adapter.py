"""The flywheel: an SFT snapshot trains a LoRA adapter (PEFT) on the profile's base,
registered as the profile's next version, which then drafts replies."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reviewapp import workflow
from reviewapp.export import ExportOptions
from reviewapp.models import AuditEvent, DraftRequest, ModelProfile
from reviewapp.snapshots import snapshot_request, snapshot_write
from tests.factories import patient_message, ready_request
from tests.test_full_loop import wait_for

REPLIES = [
    ("I can't sleep at all.", "That sounds exhausting. What keeps you awake?"),
    ("Work is too much.", "That is a lot to carry. What feels heaviest?"),
    ("I feel alone.", "I'm glad you wrote. Who could you reach out to?"),
    ("My mood is low.", "Thank you for telling me. How long has it felt this way?"),
]


def _snapshot(user, fmt="sft"):
    for text, reply in REPLIES:
        draft = ready_request([reply], message=patient_message(text))
        workflow.draft_request_decide(
            request_id=draft.pk, user=user, action="approve", candidate_id=draft.candidates.get().pk
        )
    return snapshot_write(snapshot_request(ExportOptions(fmt=fmt)).pk)


def _train(snapshot, *extra) -> dict:
    out = StringIO()
    call_command(
        "train_adapter",
        "--snapshot",
        str(snapshot.pk),
        "--max-steps",
        "3",
        "--batch-size",
        "2",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.mark.django_db(transaction=True)
def test_a_trained_adapter_becomes_the_next_version_and_drafts(tiny_profile, alice, celery_worker):
    snapshot = _snapshot(alice)
    result = _train(snapshot, "--rank", "4", "--alpha", "8", "--make-default")

    trained = ModelProfile.objects.get(name=tiny_profile.name, version=2)
    assert result["version"] == 2 and result["examples"] == 4 and result["steps"] == 3
    assert trained.trained_from == snapshot and trained.is_default
    assert trained.base_model == tiny_profile.base_model
    assert trained.adapter_config == {
        "r": 4,
        "alpha": 8,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    }
    folder = Path(trained.adapter)
    assert {"adapter_config.json", "adapter_model.safetensors", "training_card.json"} <= {
        p.name for p in folder.iterdir()
    }
    card = json.loads((folder / "training_card.json").read_text())
    assert card["snapshot"] == snapshot.pk and card["result"]["steps"] == 3
    tiny_profile.refresh_from_db()
    assert not tiny_profile.is_default and tiny_profile.adapter != trained.adapter
    saved = AuditEvent.objects.get(action="profile.save", details__version=2)
    assert saved.details["snapshot"] == snapshot.pk and saved.details["from_version"] == 1

    patient_message("Still awake at night.")
    draft = wait_for(
        lambda: DraftRequest.objects.filter(status="ready").exclude(candidates=None).last(),
        what="candidates from the trained version",
    )
    assert {c.profile_id for c in draft.candidates.all()} == {trained.pk}


@pytest.mark.django_db
def test_training_lowers_the_loss_on_what_it_learns(tiny_llama):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from worker.training import TrainingRecipe, end_of_turn_id, tokenised, train_lora

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama.base_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama.base_dir)
    messages = [
        {"role": "user", "content": "I can't sleep."},
        {"role": "assistant", "content": "That sounds hard. What keeps you awake?"},
    ]
    end_id = end_of_turn_id(model, tokenizer)
    ids, labels = tokenised(
        messages,
        tokenizer,
        end_id=end_id,
        prompt_format="chat_template",
        system_prompt="",
        max_length=256,
    )
    reply_ids = tokenizer.encode(messages[-1]["content"], add_special_tokens=False)
    # The loss is on the reply and the token generation stops at, nothing else.
    assert [t for t in labels if t != -100] == [*reply_ids, end_id]
    assert ids[-len(reply_ids) - 1 :] == labels[-len(reply_ids) - 1 :]

    every_linear = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    recipe = TrainingRecipe(
        r=8, alpha=16, dropout=0.0, target_modules=every_linear, max_steps=30, learning_rate=1e-2
    )
    _, result = train_lora(model, tokenizer, [(ids, labels)], recipe, device="cpu", quantised=False)
    assert result.steps == 30
    # A random tiny Llama starts near ln(vocabulary) = 10.8 and its output layer is
    # frozen, so the adapter moves the loss by about a nat, never to zero.
    assert result.last_loss < result.first_loss - 0.75


def test_a_reply_ends_with_the_token_generation_stops_at():
    from types import SimpleNamespace

    from worker.training import end_of_turn_id

    tokenizer = SimpleNamespace(eos_token_id=1)  # SmolLM2's GGUF tokenizer: <|im_start|>
    smollm2 = SimpleNamespace(generation_config=SimpleNamespace(eos_token_id=2))
    llama3 = SimpleNamespace(generation_config=SimpleNamespace(eos_token_id=[128009, 128001]))
    unset = SimpleNamespace(generation_config=SimpleNamespace(eos_token_id=None))
    assert end_of_turn_id(smollm2, tokenizer) == 2
    assert end_of_turn_id(llama3, tokenizer) == 128009
    assert end_of_turn_id(unset, tokenizer) == 1


@pytest.mark.django_db
def test_it_refuses_what_it_cannot_train_on(tiny_profile, alice):
    with pytest.raises(CommandError, match="no export snapshot 999"):
        _train(type("S", (), {"pk": 999})())
    dpo = _snapshot(alice, fmt="dpo")
    with pytest.raises(CommandError, match="train_adapter trains on SFT"):
        _train(dpo)

    sft = snapshot_write(snapshot_request(ExportOptions(fmt="sft")).pk)
    rows = Path(sft.folder) / "sft.jsonl"
    rows.write_text(rows.read_text() + '{"messages": []}\n')
    with pytest.raises(CommandError, match="changed since snapshot"):
        _train(sft)
    assert not ModelProfile.objects.filter(version=2).exists()
