"""The keys of batch results: the output signature, and each article's key and file name under it.

A result's key is a hash of its article's text (after HTML is reduced to text) and the
run's output signature (``pipeline.signature``: models and revisions, the backend and
quantization each runs with on the device, every config field that may change an
output). Speed-only settings (threads, batch limits) are not in the signature, so
changing them redoes nothing; anything that changes an output gives every article a new
key, so a new result beside the old one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from pipeline.config import Config
from pipeline.runner import describe_models
from pipeline.signature import Signature
from pipeline.signature import build as build_signature

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def run_key(config: Config, device: str) -> tuple[list[dict[str, Any]], Signature]:
    """The models a config uses and the signature of its outputs with them on ``device``.

    The models are described from their configs (``{"stage", "name", "revision"}``); no
    weights are loaded, so a run that finds everything done loads no model, and a Ray
    driver without a GPU keys for GPU actors.

    Raises:
        ModelUnavailable: a model can't be had.
    """
    models = describe_models(config)
    return models, build_signature(config, models, device)


def article_key(text: str, digest: str) -> str:
    """The key of an article's result: its text under a signature's digest (20 hex digits, 80 bits).

    Never raises: a lone surrogate (which UTF-8 can't hold) is hashed as its UTF-16 code
    unit ("surrogatepass"); any other text hashes as its UTF-8, so keys don't change.
    """
    content = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return hashlib.sha256(f"{digest}:{content}".encode()).hexdigest()[:20]


def result_name(doc_id: str, key: str) -> str:
    """A stable, unique file name for an article's result: its id made file-safe, then its key.

    An id that had to be changed to be safe (slashes, spaces, accents, very long) gets a
    short hash of the original, so two ids never share a name. An id with a lone surrogate
    (which UTF-8 can't hold) is hashed as ``article_key`` hashes text, never failing.
    """
    ascii_id = unicodedata.normalize("NFKD", doc_id).encode("ascii", "ignore").decode("ascii")
    safe = _UNSAFE.sub("_", ascii_id).strip("._")[:80] or "article"
    if safe != doc_id:
        safe += "~" + hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe}.{key}.json"
