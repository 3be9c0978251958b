"""Generation backends, registered by name, and the types they share with the stages.

A backend is a class (one module each: ``transformers.py``, ``ctranslate2.py``) that
loads a located model into a ``Seq2Seq``. The built-in ones are known by name without
importing their modules, so validating a config imports neither torch nor ctranslate2;
``get`` imports a backend's module on first use, as sacrebleu imports its tokenizers.
Another backend is one class with ``@register("name")``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pipeline.errors import ModelUnavailable

# Built-in backends: name -> the module that registers it when imported.
BUILTIN = {
    "ctranslate2": "models.backends.ctranslate2",
    "transformers": "models.backends.transformers",
}
_REGISTRY: dict[str, Any] = {}
B = TypeVar("B")


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings for one ``generate`` call."""

    max_new_tokens: int
    min_new_tokens: int = 0
    num_beams: int = 4
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0


@dataclass(frozen=True)
class Scored:
    """An output and its decoding score: mean log-probability per generated token, and the tokens."""

    text: str
    logprob: float
    tokens: int


@dataclass(frozen=True)
class LoadSpec:
    """How to load one model, everything resolved: what a backend's loader is given.

    Attributes:
        name: a Hub id, a local Hugging Face folder or ``tiny:<kind>``.
        revision: the requested Hub branch, tag or commit; None: main.
        device: "cpu" or "cuda".
        dtype: the config value: "auto", "float32", "bfloat16" or "float16".
        quantization: "none" or "int8".
        threads: CPU threads to compute with; None: the library's default.
    """

    name: str
    revision: str | None
    device: str
    dtype: str
    quantization: str
    threads: int | None = None


@dataclass(frozen=True)
class ModelSource:
    """A located model, its config and tokenizer read once: what a backend loads from.

    Attributes:
        location: the folder or Hub id to load from.
        local_only: whether only local files may be used (the Hub cache, a folder).
        config: the Hugging Face config, checked to be an encoder-decoder's.
        tokenizer: the model's tokenizer.
        revision: the revision to report: the Hub commit, or a fingerprint of a local folder.
    """

    location: str
    local_only: bool
    config: Any
    tokenizer: Any
    revision: str | None


class Seq2Seq(Protocol):
    """A loaded encoder-decoder model and its tokenizer: what stages use."""

    name: str  # the model's name as configured
    revision: str | None  # the Hub commit, or a fingerprint of a local folder
    backend: str  # the registered name of the backend running it
    quantization: str  # "none" or "int8"
    dtype: str  # what the weights compute in, as the backend names it ("float32", "int8_float32", ...)
    device: str  # "cpu" or "cuda"

    @property
    def window(self) -> int:
        """Longest input, in tokens (special tokens included), the model can encode."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Input length of each text in tokens, special tokens included."""
        ...

    def batch_limits(self) -> tuple[int, int]:
        """Default (padded source tokens, sequences) per translation batch on this device."""
        ...

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        """Decode one batch; the generated token ids of each text, special tokens removed."""
        ...

    def generate(self, texts: list[str], settings: GenerationSettings) -> list[str]:
        """Decode one batch into texts. Inputs must fit the window: nothing is truncated."""
        ...

    def generate_ids_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[list[int]]]:
        """Decode several batches, yielding each one's token ids in order as it is done."""
        ...

    def generate_many(self, batches: list[list[str]], settings: list[GenerationSettings]) -> Iterator[list[str]]:
        """Decode several batches, yielding each one's texts in order as it is done."""
        ...

    scores: bool  # whether ``score`` is implemented
    decode_scores: bool  # whether ``generate_scored_many`` is implemented

    def generate_scored_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[Scored]]:
        """``generate_many`` with each output's score as its decoding gave it (``Seq2SeqBase``)."""
        ...

    def score(self, sources: list[str], targets: list[str]) -> list[tuple[float, int]]:
        """Per pair, (mean log-probability per target token, target tokens), teacher-forced."""
        ...

    def info(self) -> dict[str, Any]:
        """Name, revision, dtype, backend, quantization and device, for reports and signatures."""
        ...


class Backend(Protocol):
    """What a registered backend class provides: class attributes and a loader."""

    name: str  # the registered name (on the class; an instance's ``name`` is its model's)
    # PyPI packages, besides transformers/tokenizers/sentencepiece, whose versions shape its outputs
    libraries: tuple[str, ...]
    default_quantization: str  # what quantization "auto" stands for

    def load(self, spec: LoadSpec, source: ModelSource) -> Seq2Seq:
        """Load the model ``source`` locates as ``spec`` says (a classmethod)."""
        ...


def register(name: str) -> Callable[[B], B]:
    """Class decorator: register a backend class under ``name`` (it sets its ``name`` and ``backend``).

    Raises:
        ValueError: another class is already registered under ``name``.
    """

    def add(cls: B) -> B:
        known = _REGISTRY.get(name)
        # the same class again (its module reloaded) replaces itself; another one is a clash
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise ValueError(f"backend {name!r} is already registered ({known.__module__}.{known.__qualname__})")
        cls.name = cls.backend = name  # type: ignore[attr-defined]
        _REGISTRY[name] = cls
        return cls

    return add


def names() -> list[str]:
    """The backends a config may name, sorted: the built-in ones and any registered since."""
    return sorted({*BUILTIN, *_REGISTRY})


def get(name: str) -> Backend:
    """The backend class registered as ``name``, importing a built-in one's module on first use.

    Raises:
        ModelUnavailable: no backend has that name; the message lists the valid ones.
    """
    if name not in _REGISTRY and name in BUILTIN:
        importlib.import_module(BUILTIN[name])
    if name not in _REGISTRY:
        raise ModelUnavailable(f"unknown backend {name!r}; valid: {', '.join(names())}")
    return _REGISTRY[name]
