"""Guard against PEFT leaving per-request adapter hooks attached (peft issue 3475).

``PeftModel.generate(adapter_names=...)`` registers forward pre-hooks on every
LoRA layer and removes them after a ``yield`` that has no ``finally``: if
generation raises (out of memory, a stopping criterion, a time limit), the
hooks stay, and every later request silently runs with the failed batch's
adapters. After each generate we remove any such hook left behind.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import partial

logger = logging.getLogger(__name__)


def _is_adapter_names_hook(hook) -> bool:
    from peft.tuners.lora.model import _adapter_names_pre_forward_hook

    return isinstance(hook, partial) and hook.func is _adapter_names_pre_forward_hook


def remove_leaked_adapter_hooks(model) -> int:
    removed = 0
    for module in model.modules():
        for hook_id, hook in list(module._forward_pre_hooks.items()):
            if _is_adapter_names_hook(hook):
                del module._forward_pre_hooks[hook_id]
                module._forward_pre_hooks_with_kwargs.pop(hook_id, None)
                removed += 1
    return removed


@contextmanager
def adapter_hooks_cleaned(model):
    try:
        yield
    finally:
        removed = remove_leaked_adapter_hooks(model)
        if removed:
            logger.warning("removed %d adapter hooks a failed generate left behind", removed)
