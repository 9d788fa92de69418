"""Prompt formats, one function each, chosen from a table by the profile's ``prompt_format``.

Each takes the system prompt and the chat turns ({"role": "user"|"assistant",
"content"}) and returns token ids ending where the model should start replying.
History is trimmed oldest-first to fit the context budget; the system prompt
and the patient's latest message are always kept.
"""

from __future__ import annotations

from collections.abc import Callable

Turns = list[dict[str, str]]


def _chat_template(tokenizer, system_prompt: str, turns: Turns) -> list[int]:
    messages = ([{"role": "system", "content": system_prompt}] if system_prompt else []) + turns
    return list(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True))


def _llama2(tokenizer, system_prompt: str, turns: Turns) -> list[int]:
    # Llama-2 chat: each user turn in [INST] ... [/INST]; the system prompt sits
    # inside the first one, between <<SYS>> markers.
    text = ""
    first_user = True
    for turn in turns:
        if turn["role"] == "user":
            content = turn["content"].strip()
            if first_user and system_prompt:
                content = f"<<SYS>>\n{system_prompt.strip()}\n<</SYS>>\n\n{content}"
            first_user = False
            text += f"{tokenizer.bos_token or ''}[INST] {content} [/INST]"
        else:
            text += f" {turn['content'].strip()} {tokenizer.eos_token or ''}"
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _raw(tokenizer, system_prompt: str, turns: Turns) -> list[int]:
    speaker = {"user": "Patient", "assistant": "Therapist"}
    lines = [system_prompt.strip()] if system_prompt else []
    lines += [f"{speaker[t['role']]}: {t['content'].strip()}" for t in turns]
    lines.append(f"{speaker['assistant']}:")
    return tokenizer("\n".join(lines), add_special_tokens=True)["input_ids"]


def steered(system_prompt: str, steering_note: str) -> str:
    """The system prompt with a reviewing clinician's guidance for a regenerated set."""
    if not steering_note:
        return system_prompt
    guidance = f"Guidance from the reviewing clinician for this reply: {steering_note.strip()}"
    return f"{system_prompt.strip()}\n\n{guidance}" if system_prompt else guidance


PROMPT_FORMATS: dict[str, Callable[..., list[int]]] = {
    "chat_template": _chat_template,
    "llama2": _llama2,
    "raw": _raw,
}


# Where a reply ends in formats with no end-of-turn token of their own: past it,
# a model goes on to write the patient's next turn itself.
REPLY_ENDS = {"raw": "\nPatient:", "llama2": "[INST]"}


def reply_only(prompt_format: str, text: str) -> str:
    marker = REPLY_ENDS.get(prompt_format)
    return (text.split(marker, 1)[0] if marker else text).strip()


def build_prompt(
    tokenizer, *, prompt_format: str, system_prompt: str, turns: Turns, max_prompt_tokens: int
) -> list[int]:
    """Token ids for the prompt, dropping the oldest turns until it fits."""
    if not turns or turns[-1]["role"] != "user":
        raise ValueError("the conversation must end with the patient's message")
    try:
        render = PROMPT_FORMATS[prompt_format]
    except KeyError:
        raise ValueError(f"unknown prompt format {prompt_format!r}") from None
    kept = list(turns)
    ids = render(tokenizer, system_prompt, kept)
    while len(ids) > max_prompt_tokens and len(kept) > 1:
        kept = kept[1:]
        # A conversation shown to the model starts with the patient speaking.
        while len(kept) > 1 and kept[0]["role"] != "user":
            kept = kept[1:]
        ids = render(tokenizer, system_prompt, kept)
    return ids
