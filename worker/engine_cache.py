"""One loaded engine per distinct weights, per worker process, loaded on first use.

Loading happens in the process that runs tasks (a prefork child, or the solo
worker itself), never in the prefork parent, so CUDA is never initialised
before a fork.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from worker.engine import Engine, load_engine
from worker.spec import ProfileSpec

_engines: dict[tuple[str, str, str], Engine] = {}
_lock = threading.Lock()


def get_engine(spec: ProfileSpec) -> Engine:
    with _lock:
        engine = _engines.get(spec.weights_key)
        if engine is None:
            engine = load_engine(spec, cache_dir=Path(settings.COUNTERSIGN["MODEL_CACHE_DIR"]))
            _engines[spec.weights_key] = engine
    # Prompt and sampling settings may differ between profile versions that
    # share weights; the engine always drafts with the caller's.
    if engine.spec != spec:
        engine = Engine(
            model=engine.model,
            tokenizer=engine.tokenizer,
            spec=spec,
            device=engine.device,
            loading_mode=engine.loading_mode,
        )
    return engine


def loaded_weights() -> list[tuple[str, str, str]]:
    return list(_engines)
