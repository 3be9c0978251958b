"""Stage registry: kind -> name -> class, so a stage is chosen in config.

A stage kind ``K`` is found in the module ``pipeline.K`` (``pipeline/segment.py``
registers the ``segment`` stages), imported lazily, the first time the kind is looked up,
so that ``precis segment`` never imports torch (sacrebleu does the same for tokenizers).
A new kind is then one new file plus its place in the config's ``pipeline`` list; a
stage registered from anywhere else (a plugin, a test) is found too, once imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pipeline.errors import ConfigError

_STAGES: dict[str, dict[str, type]] = {}
_DEFAULTS: dict[str, str] = {}


def register(kind: str, name: str, *, default: bool = False) -> Callable[[type], type]:
    """Class decorator: make a stage class available as ``kind: {name: ...}`` in config.

    Args:
        default: the stage a config gets for ``kind`` when its section names none.
    """

    def decorate(cls: type) -> type:
        _STAGES.setdefault(kind, {})[name] = cls
        if default:
            _DEFAULTS[kind] = name
        cls.kind = kind
        cls.name = name
        return cls

    return decorate


def _load_kind(kind: str) -> dict[str, type]:
    if kind not in _STAGES and kind.isidentifier():
        try:
            importlib.import_module(f"pipeline.{kind}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pipeline.{kind}":
                raise
    if kind not in _STAGES:
        raise ConfigError(f"unknown stage kind {kind!r}: no module pipeline/{kind}.py registers stages of that kind")
    return _STAGES[kind]


def names(kind: str) -> list[str]:
    return sorted(_load_kind(kind))


def default(kind: str) -> str:
    """The stage name a section of ``kind`` gets when it names none.

    Raises:
        ConfigError: no stage of that kind is the default; the message lists them.
    """
    stages = _load_kind(kind)
    if kind in _DEFAULTS:
        return _DEFAULTS[kind]
    raise ConfigError(f"{kind}: give the stage's name; valid choices: {', '.join(sorted(stages))}")


def get(kind: str, name: str) -> type:
    """The stage class registered under ``kind``/``name``.

    Raises:
        ConfigError: if no such stage exists; the message lists the valid names.
    """
    stages = _load_kind(kind)
    if name not in stages:
        raise ConfigError(f"{kind}.name: unknown stage {name!r}; valid choices: {', '.join(sorted(stages))}")
    return stages[name]
