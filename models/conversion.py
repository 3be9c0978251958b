"""CTranslate2 copies of Hugging Face models, converted once and cached on disk."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from models import tiny

log = logging.getLogger("precis.models")


def converted(folder: str, name: str, revision: str | None, quantization: str) -> Path:
    """A CTranslate2 copy of a Hugging Face model folder, converted once and cached.

    Keyed by model name, revision and quantization, under $PRECIS_CACHE/ctranslate2.

    Args:
        folder: the Hugging Face model folder to convert.
        name: the model's name (part of the cache key, and of the log record).
        revision: the model's resolved revision; None: "main".
        quantization: "none", or "int8" (the weights stored in int8).
    """
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            # transformers 5 dropped BART's normalize_before (False for BART models);
            # CTranslate2's BART loader still reads it.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-60:]
    target = tiny.cache_root() / "ctranslate2" / f"{slug}-{(revision or 'main')[:16]}-{quantization}"
    if not target.is_dir():  # a log record: stderr by default (stdout may carry JSON), an event in batch runs
        log.warning("converting %s to CTranslate2 (%s), once; cached in %s", name, quantization, target)
    return tiny.build_once(
        target,
        lambda out: Converter(folder).convert(str(out), quantization=None if quantization == "none" else quantization),
    )
