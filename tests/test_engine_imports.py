"""The generation engine and its benchmark run without Django configured.

``python bench/generation.py --quick`` (the README's command) loads the engine
in a plain Python process: nothing it imports may need Django's settings.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.processes import REPO

# What bench/generation.py imports from the worker, and what those pull in.
ENGINE_MODULES = [
    "worker.post_filters",
    "worker.spec",
    "worker.prompts",
    "worker.sampling",
    "worker.loading",
    "worker.batching",
    "worker.engine",
]


def _run_without_django(*args: str) -> subprocess.CompletedProcess:
    """``python *args`` with no DJANGO_SETTINGS_MODULE in its environment."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_imports_the_engine_modules_without_django_settings():
    code = "\n".join(
        [
            *(f"import {module}" for module in ENGINE_MODULES),
            "import sys",
            "assert 'reviewapp.settings' not in sys.modules, 'the engine loaded the settings'",
        ]
    )
    result = _run_without_django("-c", code)
    assert result.returncode == 0, result.stderr


def test_it_runs_the_generation_benchmark_help_without_django_settings():
    result = _run_without_django("bench/generation.py", "--help")
    assert result.returncode == 0, result.stderr
    assert "--quick" in result.stdout
