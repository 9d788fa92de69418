"""Typed helpers for reading settings from the environment.

A secret may be given as ``NAME_FILE`` pointing at a file (Docker and
Kubernetes secrets) instead of ``NAME`` itself.
"""

from __future__ import annotations

import os


def envstr(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        with open(file_path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: str = "False") -> bool:
    value = (envstr(name, default) or "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{name} must be true or false, got {value!r}")


def envint(name: str, default: str) -> int:
    value = envstr(name, default)
    try:
        return int(value or "")
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def envfloat(name: str, default: str) -> float:
    value = envstr(name, default)
    try:
        return float(value or "")
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (envstr(name, default) or "").split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (envstr(name, default) or "").strip().lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def is_redis_url(url: str) -> bool:
    """Whether a broker URL names Redis (not the demo's filesystem transport)."""
    return url.startswith(("redis://", "rediss://"))
