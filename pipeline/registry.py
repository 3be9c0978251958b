"""Stage registry: kind -> name -> class, so a stage is chosen in config.

Stage modules are imported lazily, the first time a kind is looked up, so that
``precis segment`` never imports torch (sacrebleu does the same for tokenizers).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pipeline.errors import ConfigError

# The modules that register stages of each kind.
_MODULES = {
    "segment": ("pipeline.segment",),
    "translate": ("pipeline.translate",),
    "summarize": ("pipeline.summarize",),
}
KINDS = tuple(_MODULES)

_STAGES: dict[str, dict[str, type]] = {kind: {} for kind in KINDS}


def register(kind: str, name: str) -> Callable[[type], type]:
    """Class decorator: make a stage class available as ``kind: {name: ...}`` in config."""

    def decorate(cls: type) -> type:
        _STAGES[kind][name] = cls
        cls.stage_kind = kind
        cls.stage_name = name
        return cls

    return decorate


def names(kind: str) -> list[str]:
    for module in _MODULES[kind]:
        importlib.import_module(module)
    return sorted(_STAGES[kind])


def get(kind: str, name: str) -> type:
    """The stage class registered under ``kind``/``name``.

    Raises:
        ConfigError: if no such stage exists; the message lists the valid names.
    """
    if kind not in _STAGES:
        raise ConfigError(f"unknown stage kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    valid = names(kind)
    if name not in _STAGES[kind]:
        raise ConfigError(f"{kind}.name: unknown stage {name!r}; valid choices: {', '.join(valid)}")
    return _STAGES[kind][name]
