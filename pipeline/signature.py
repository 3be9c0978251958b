"""The one answer to "what does this output depend on": the output signature.

Batch keys, the translation cache's namespace, the ``signature`` of every JSON output and
of every system in an eval report are all built here, from the same things:

- precis's code version (``pipeline.version``: the package version and a hash of its
  sources, so results of older code are told apart) and the pipeline (each stage kind and the stage it names);
- what reads names for the consistency check (``names:fr_core_news_md@3.8.0``, or ``rules``);
- each model: its name and revision, the backend and quantization it runs with on the
  device (``backend: auto`` is CTranslate2 int8 on a CPU, transformers on a GPU);
- every config field that may change an output; fields marked ``speed_only`` (threads,
  batch limits) are left out, so changing them redoes nothing (``config.speed_only``);
- the versions of the libraries that compute the result: transformers and the
  tokenizer libraries for every model, and each backend's own (torch, ctranslate2).

It prints sacrebleu-style, so a reader can see at a glance what produced an output::

    precis:0.1.0|pipeline:segment=french,translate=marian,consistency=facts,summarize=seq2seq,support=tfidf|mt:Helsinki-NLP/opus-mt-fr-en@<rev>|
    mt.backend:ctranslate2-int8|mt.beams:4|sum:sshleifer/distilbart-cnn-12-6@<rev>|...|cfg:<hash>|ctranslate2:4.6.0|...

``cfg`` is a hash of all the output fields, which are too many to print; the named
fields are the ones people compare by. The signature's ``digest`` keys results.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pipeline.config import Config
from pipeline.version import code_version

# Short labels of the model stages in a signature, as sacrebleu abbreviates its fields.
LABELS = {"translate": "mt", "summarize": "sum"}
# Libraries every model stage's output depends on (tokenization, model code).
MODEL_LIBRARIES = ("transformers", "tokenizers", "sentencepiece")
# What ``versions()`` records beside every output.
RECORDED = ("precis", "torch", "transformers", "tokenizers", "sentencepiece", "ctranslate2")


def package_version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """Python's version and those of precis (its code version) and the libraries that shape its outputs."""
    found = {p: code_version() if p == "precis" else package_version(p) for p in RECORDED}
    return {"python": platform.python_version(), **found}


@dataclass(frozen=True)
class Signature:
    """An output signature: ordered ``key:value`` parts, printed joined by ``|``."""

    parts: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return "|".join(f"{key}:{value}" for key, value in self.parts)

    @property
    def digest(self) -> str:
        """A hash of the whole signature (hex), for keys and cache namespaces."""
        return hashlib.sha256(str(self).encode("utf-8")).hexdigest()


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def build(config: Config, models: list[dict[str, Any]], device: str, kinds: Iterable[str] | None = None) -> Signature:
    """The signature of outputs of ``config`` with these models on ``device``.

    Args:
        config: the resolved config.
        models: each model stage's ``{"stage", "name", "revision"}`` (loaded or only
            described: ``runner.describe_models``).
        device: the device the models run on ("cpu" or "cuda"), which decides what
            ``backend: auto`` stands for; the device itself is left out.
        kinds: only these stage kinds (the translation cache's namespace is the
            translate stage's part); None: the whole pipeline.
    """
    from models import backends
    from models.loading import resolve_backend, resolve_dtype_name
    from models.ner import describe as describe_ner

    kinds = list(config.pipeline if kinds is None else kinds)
    by_stage = {m["stage"]: m for m in models}
    parts: list[tuple[str, str]] = [
        ("precis", code_version()),
        ("pipeline", ",".join(f"{kind}={config.stage(kind)[0]}" for kind in kinds)),
    ]
    libraries: set[str] = set()
    output: dict[str, Any] = {}
    for kind in kinds:
        name, section = config.stage(kind)
        output[kind] = {"name": name, **section.output_values()}
        if getattr(section, "ner", None):  # what reads names (the consistency check): a model and its version
            parts.append(("names", describe_ner(section.ner)))
        model = by_stage.get(kind)
        if model is None:
            continue
        label = LABELS.get(kind, kind)
        backend, quantization = resolve_backend(section.backend, section.quantization, device)
        parts.append((label, f"{model['name']}@{model['revision'] or 'none'}"))
        parts.append((f"{label}.backend", f"{backend}-{quantization}"))
        if hasattr(section, "num_beams"):
            parts.append((f"{label}.beams", str(section.num_beams)))
        libraries.update(MODEL_LIBRARIES, backends.get(backend).libraries)
    dtype = resolve_dtype_name(config.runtime.dtype, device)  # "auto" and what it stands for give one signature
    runtime = {**config.runtime.output_values(), "dtype": dtype}
    parts.append(("dtype", dtype))
    parts.append(("cfg", _hash({"stages": output, "runtime": runtime})))
    parts.extend((package, package_version(package)) for package in sorted(libraries))
    return Signature(tuple(parts))
