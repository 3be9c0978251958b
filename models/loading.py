"""Resolve a model name and load it through a backend: the only importer of model classes.

A model name is one of:
- a Hugging Face Hub id (``Helsinki-NLP/opus-mt-fr-en``), loaded with the standard
  ``from_pretrained`` from the local cache when it is there, else downloaded;
- a local directory in Hugging Face format;
- ``tiny:marian`` or ``tiny:bart``, the random-weight test models of ``models.tiny``.

``load`` locates the model, reads its config and tokenizer once into a ``ModelSource``
and hands it to the backend named (``models.backends``: transformers, CTranslate2, or
one registered at run time). Each ``LoadSpec`` (name, revision, device, dtype,
quantization, threads) is loaded once per process and backend. Stages receive a
``Seq2Seq``: tokenizer and model behind count, split and generate, so the stages never
touch transformers and another backend can stand in.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from models import backends
from models.backends import LoadSpec, ModelSource, Seq2Seq
from models.backends.base import reading
from models.backends.base import unavailable as _unavailable
from pipeline.errors import ModelUnavailable

_CACHE: dict[tuple[str, LoadSpec], Seq2Seq] = {}
_LOCK = threading.Lock()
TINY_PREFIX = "tiny:"
QUANTIZATIONS = ("auto", "none", "int8")


def resolve_device(device: str) -> str:
    """The device "auto" stands for ("cuda" where there is one), or the one named, checked.

    Raises:
        ModelUnavailable: "cuda" named where there is none.
    """
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailable("runtime.device is 'cuda' but no CUDA device is available; use 'auto' or 'cpu'")
    return device


def _local_revision(path: Path) -> str:
    """A content fingerprint of a local model folder (config plus file names and sizes)."""
    h = hashlib.sha256()
    for f in sorted(path.iterdir()):
        if f.is_file():
            h.update(f.name.encode())
            h.update(str(f.stat().st_size).encode())
            if f.suffix == ".json":
                h.update(f.read_bytes())
    return "local-" + h.hexdigest()[:12]


def _hub_unreachable(timeout: float = 3.0) -> str | None:
    """Why the Hub can't be asked (HF_HUB_OFFLINE set, or its host doesn't answer), or None.

    Trying the host first saves a minute of retries when offline.
    """
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE is set, so the Hub is not asked (unset it to download)"
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    host = url.hostname or "huggingface.co"
    try:
        socket.create_connection((host, url.port or 443), timeout=timeout).close()
    except OSError:
        return f"the Hugging Face Hub ({host}) can't be reached from this machine"
    return None


def _hub_cached(name: str, revision: str | None) -> bool:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(name, "config.json", revision=revision)
    return isinstance(found, str)


def locate(name: str, revision: str | None = None) -> tuple[str, bool]:
    """Where to load ``name`` from: (path or Hub id, whether only local files may be used).

    Raises:
        ModelUnavailable: a Hub model that isn't cached while the Hub can't be reached.
    """
    if name.startswith(TINY_PREFIX):
        from models import tiny

        kind = name[len(TINY_PREFIX) :]
        if kind not in tiny.KINDS:
            raise ModelUnavailable(f"unknown tiny model {name!r}; valid: {', '.join('tiny:' + k for k in tiny.KINDS)}")
        return str(tiny.ensure(kind)), True
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelUnavailable(f"{name!r} is a directory but not a Hugging Face model (no config.json in it)")
        return str(path), True
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelUnavailable(f"model directory {name!r} not found")
    if _hub_cached(name, revision):
        return name, True
    why = _hub_unreachable()
    if why is not None:
        raise _unavailable(name, f"it is not in the local Hugging Face cache and {why}")
    return name, False


def resolve_backend(backend: str, quantization: str, device: str) -> tuple[str, str]:
    """The backend and quantization "auto" stands for on a (resolved) device.

    On CPU: CTranslate2 with int8 weights, the fastest path measured by ``make bench``
    (translation 5.7x faster than precis's batched fp32 transformers); on CUDA: transformers
    in bf16/fp16.
    An explicit backend keeps its own default (``default_quantization``): int8 for
    CTranslate2, none for transformers. Imports no torch: signatures are computed with it.

    Raises:
        ModelUnavailable: an unknown backend.
    """
    if backend == "auto":
        backend = "ctranslate2" if device == "cpu" else "transformers"
    if quantization == "auto":
        quantization = backends.get(backend).default_quantization
    return backend, quantization


def resolve_dtype_name(dtype: str, device: str) -> str:
    """The float dtype a config's ``dtype`` stands for on a (resolved) device.

    "auto" is fp32 on CPU, bf16 (else fp16) on CUDA. Imports torch only for CUDA, where
    the answer depends on the GPU.
    """
    if dtype != "auto":
        return dtype
    if device != "cuda":
        return "float32"
    import torch

    return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"


def load(
    name: str,
    *,
    revision: str | None = None,
    device: str = "auto",
    dtype: str = "auto",
    backend: str = "auto",
    quantization: str = "auto",
    threads: int | None = None,
) -> Seq2Seq:
    """Load a seq2seq model and its tokenizer on a backend, once per process.

    Args:
        backend: "transformers" (PyTorch), "ctranslate2" (a converted copy, cached on disk),
            another registered backend, or "auto" (see ``resolve_backend``).
        quantization: "none", or "int8": dynamic int8 quantization of the Linear layers
            with transformers (CPU), int8 weights and compute with CTranslate2; or "auto".
        threads: CPU threads to compute with (runtime.threads); None: the backend library's default.

    Raises:
        ModelUnavailable: with the model's name and what to do about it.
    """
    valid = ["auto", *backends.names()]
    if backend not in valid:
        raise ModelUnavailable(f"unknown backend {backend!r}; valid: {', '.join(valid)}")
    if quantization not in QUANTIZATIONS:
        raise ModelUnavailable(f"unknown quantization {quantization!r}; valid: {', '.join(QUANTIZATIONS)}")
    device = resolve_device(device)
    backend, quantization = resolve_backend(backend, quantization, device)
    # CTranslate2 takes its thread count when loaded: a config with other threads gets its own copy.
    key = (backend, LoadSpec(name, revision, device, dtype, quantization, threads))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _load(*key)
        return _CACHE[key]


def _load(backend: str, spec: LoadSpec) -> Seq2Seq:
    """Load a model on a backend, uncached: locate it, read its config and tokenizer, hand them over."""
    from transformers import AutoTokenizer

    location, local_only, config = _source_and_config(spec.name, spec.revision)
    with reading(spec.name):
        tokenizer = AutoTokenizer.from_pretrained(location, revision=spec.revision, local_files_only=local_only)
    source = ModelSource(location, local_only, config, tokenizer, _revision(location, spec.revision, config))
    return backends.get(backend).load(spec, source)


def _revision(source: str, revision: str | None, config: Any) -> str | None:
    if Path(source).is_dir():
        return revision or _local_revision(Path(source))
    return getattr(config, "_commit_hash", None) or revision


def _source_and_config(name: str, revision: str | None) -> tuple[str, bool, Any]:
    """Where the model is (``locate``) and its config, checked to be a seq2seq model.

    Raises:
        ModelUnavailable: the model can't be had, or isn't an encoder-decoder.
    """
    import transformers
    from transformers import AutoConfig

    transformers.utils.logging.disable_progress_bar()
    # precis checks lengths itself and reports what matters as document warnings.
    transformers.utils.logging.set_verbosity_error()
    source, local_only = locate(name, revision)
    try:
        config = AutoConfig.from_pretrained(source, revision=revision, local_files_only=local_only)
    except (OSError, ValueError, KeyError) as exc:
        raise _unavailable(name, str(exc).splitlines()[0]) from None
    if not getattr(config, "is_encoder_decoder", False):
        raise ModelUnavailable(f"model {name!r} is not an encoder-decoder (seq2seq) model")
    return source, local_only, config


def resolve_revision(name: str, revision: str | None = None) -> str | None:
    """The revision ``load`` would report for a model, read from its config alone.

    A Hub commit, or a fingerprint of a local folder; the weights are not read.

    Raises:
        ModelUnavailable: as ``load`` does when the model can't be had.
    """
    source, _, config = _source_and_config(name, revision)
    return _revision(source, revision, config)


def pull(name: str, revision: str | None = None) -> str:
    """Download a Hub model's files into the local cache for offline runs; return its folder."""
    if name.startswith(TINY_PREFIX) or Path(name).expanduser().is_dir():
        return locate(name, revision)[0]
    from huggingface_hub import snapshot_download

    why = _hub_unreachable()
    if why is not None:
        raise _unavailable(name, why)
    from huggingface_hub import list_repo_files

    try:
        files = list_repo_files(name, revision=revision)
        # Weights in one format only: safetensors when published, else PyTorch .bin.
        weights = "*.safetensors" if any(f.endswith(".safetensors") for f in files) else "*.bin"
        return snapshot_download(
            name,
            revision=revision,
            allow_patterns=["*.json", weights, "*.model", "*.spm", "*.txt"],
        )
    except Exception as exc:  # the Hub raises many error types; each means the same to a user
        raise _unavailable(name, str(exc).splitlines()[0]) from None
