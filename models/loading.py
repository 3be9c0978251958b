"""Load seq2seq models by name or local path: the only importer of model classes.

A model name is one of:
- a Hugging Face Hub id (``Helsinki-NLP/opus-mt-fr-en``), loaded with the standard
  ``from_pretrained`` from the local cache when it is there, else downloaded;
- a local directory in Hugging Face format;
- ``tiny:marian`` or ``tiny:bart``, the random-weight test models of ``models.tiny``.

Each (name, revision, device, dtype) is loaded once per process. Stages receive a
``Seq2Seq``: tokenizer and model behind three calls (count, split, generate), so the
stages never touch transformers and another backend can stand in.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pipeline.errors import ModelUnavailable

_CACHE: dict[tuple[Any, ...], Seq2Seq] = {}
log = logging.getLogger("precis.models")
_LOCK = threading.Lock()
TINY_PREFIX = "tiny:"


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings for one ``generate`` call."""

    max_new_tokens: int
    min_new_tokens: int = 0
    num_beams: int = 4
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0


class Seq2Seq:
    """A loaded encoder-decoder model and its tokenizer: what stages use.

    Subclasses run generation on one backend; tokenization, the input window and the
    description are shared.
    """

    backend = "none"

    def __init__(
        self,
        name: str,
        revision: str | None,
        tokenizer: Any,
        config: Any,
        device: str,
        dtype: str,
        quantization: str = "none",
    ) -> None:
        self.name = name
        self.quantization = quantization  # "int8" when the weights are quantized
        self.revision = revision
        self.tokenizer = tokenizer
        self.config = config
        self.device = device
        self.dtype = dtype

    @property
    def window(self) -> int:
        """Longest input, in tokens (special tokens included), the model can encode."""
        window = int(getattr(self.config, "max_position_embeddings", 0) or 0)
        limit = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(limit, int) and 0 < limit < 1_000_000:
            window = min(window, limit) if window else limit
        return window or 512

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Input length of each text in tokens, special tokens included."""
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, truncation=False)["input_ids"]]

    def split_tokens(self, text: str, max_tokens: int) -> list[str]:
        """Cut ``text`` into pieces of at most ``max_tokens`` tokens each (the last resort)."""
        ids = self.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"]
        step = max(1, max_tokens - 2)  # room for the special tokens the model adds
        pieces = [self.tokenizer.decode(ids[i : i + step], skip_special_tokens=True) for i in range(0, len(ids), step)]
        return [p.strip() for p in pieces if p.strip()]

    def batch_limits(self) -> tuple[int, int]:
        """Default (padded source tokens, sequences) per translation batch on this device.

        CPU: small batches; beam search reorders its cache every step, and the cache grows
        with the batch. ``python -m eval.bench --articles 8 --sweep-batches 4096x64 1024x16
        768x16 512x16`` on a 2-core CPU (81 sentences): CTranslate2 int8 116, 380, 384 and
        366 source tokens/s; transformers fp32 46, 65, 70 and 74.
        CUDA: about 2,048 tokens per GiB of free memory, between 4,096 and 65,536.
        """
        if self.device != "cuda":
            return 768, 16
        import torch

        free, _ = torch.cuda.mem_get_info()
        return int(min(65536, max(4096, free / 2**30 * 2048))), 512

    def _check_window(self, lengths: list[int]) -> None:
        if lengths and max(lengths) > self.window:
            raise ValueError(f"input of {max(lengths)} tokens exceeds the window of {self.window}")

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        """Decode one batch; the generated token ids of each text, special tokens removed."""
        raise NotImplementedError

    def generate(self, texts: list[str], settings: GenerationSettings) -> list[str]:
        """Decode one batch. Inputs must fit the window: nothing is truncated here."""
        return self._decode(self.generate_ids(texts, settings))

    def generate_ids_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[list[int]]]:
        """Decode several batches, yielding each one's token ids in order as it is done.

        Backends may run the batches concurrently; the results are the same as one
        ``generate_ids`` call per batch.
        """
        for texts, s in zip(batches, settings, strict=True):
            yield self.generate_ids(texts, s)

    def generate_many(self, batches: list[list[str]], settings: list[GenerationSettings]) -> Iterator[list[str]]:
        """``generate`` over several batches: each one's texts, in order, as it is done."""
        for ids in self.generate_ids_many(batches, settings):
            yield self._decode(ids)

    def _decode(self, ids: list[list[int]]) -> list[str]:
        return [t.strip() for t in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    def _strip_special(self, ids: list[int]) -> list[int]:
        special = set(self.tokenizer.all_special_ids)
        return [i for i in ids if i not in special]

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "revision": self.revision,
            "dtype": self.dtype,
            "backend": self.backend,
            "quantization": self.quantization,
            "device": self.device,
        }


class TransformersSeq2Seq(Seq2Seq):
    """PyTorch generation through transformers' ``generate``."""

    backend = "transformers"

    def __init__(
        self,
        name: str,
        revision: str | None,
        model: Any,
        tokenizer: Any,
        device: str,
        dtype: str,
        quantization: str = "none",
    ) -> None:
        super().__init__(name, revision, tokenizer, model.config, device, dtype, quantization)
        self.model = model

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        import torch

        if not texts:
            return []
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False)
        self._check_window([enc["input_ids"].shape[1]])
        enc = {k: v.to(self.device) for k, v in enc.items()}
        with torch.inference_mode():
            out = self.model.generate(
                **enc,
                max_new_tokens=settings.max_new_tokens,
                min_new_tokens=settings.min_new_tokens or None,
                num_beams=settings.num_beams,
                length_penalty=settings.length_penalty,
                no_repeat_ngram_size=settings.no_repeat_ngram_size,
                repetition_penalty=settings.repetition_penalty,
                do_sample=False,
                early_stopping=True,
            )
        return [self._strip_special(row) for row in out.tolist()]


class CTranslate2Seq2Seq(Seq2Seq):
    """Generation with CTranslate2 on a converted copy of the model (int8 or float).

    One batch runs on a translator that spreads each operation over all threads. Several
    batches go to a second translator, created on first use, that runs as many batches at
    once as there are threads, one thread each: decoding steps are too small to keep
    several threads busy. ``make bench`` on a 2-core CPU: 1.73x the throughput of
    CTranslate2 called one batch at a time on both threads, on the same batches.

    The model's generation config is followed as ``generate()`` follows it, which
    CTranslate2 doesn't do by itself: a forced first token (``forced_bos_token_id``, as in
    BART CNN models) is given as the target prefix, and with a forced last token
    (``forced_eos_token_id``) the output stops one step before ``max_new_tokens``.
    """

    backend = "ctranslate2"

    def __init__(
        self,
        name: str,
        revision: str | None,
        translator: Any,
        tokenizer: Any,
        config: Any,
        device: str,
        dtype: str,
        quantization: str,
        path: str,
        parallel: Callable[[], Any] | None = None,
        forced: tuple[int | None, int | None] = (None, None),
    ) -> None:
        super().__init__(name, revision, tokenizer, config, device, dtype, quantization)
        self.translator = translator
        self.path = path  # the converted model's folder
        self._make_parallel = parallel
        self._parallel: Any = None
        self.forced_bos, self.forced_eos = forced  # token ids from the generation config

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        ids = self.tokenizer(texts, truncation=False)["input_ids"]
        self._check_window([len(i) for i in ids])
        return [self.tokenizer.convert_ids_to_tokens(i) for i in ids]

    def max_length(self, settings: GenerationSettings) -> int:
        """CTranslate2's ``max_decoding_length`` for the output ``generate()`` would give.

        It counts the target prefix, as ``max_new_tokens`` counts a forced first token. With
        a forced last token, ``generate()`` spends the last step on it: one step less here.
        """
        return max(1, settings.max_new_tokens - (self.forced_eos is not None))

    def _options(self, settings: GenerationSettings, size: int) -> dict[str, Any]:
        length = self.max_length(settings)
        options = {
            "beam_size": settings.num_beams,
            "length_penalty": settings.length_penalty,
            "no_repeat_ngram_size": settings.no_repeat_ngram_size,
            "repetition_penalty": settings.repetition_penalty,
            "max_decoding_length": length,
            "min_decoding_length": min(settings.min_new_tokens, length),
            "max_batch_size": 0,  # the caller already batched
        }
        if self.forced_bos is not None:
            options["target_prefix"] = [self.tokenizer.convert_ids_to_tokens([self.forced_bos])] * size
        return options

    def _ids(self, result: Any) -> list[int]:
        return self._strip_special(self.tokenizer.convert_tokens_to_ids(result.hypotheses[0]))

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        if not texts:
            return []
        results = self.translator.translate_batch(self._tokens(texts), **self._options(settings, len(texts)))
        return [self._ids(r) for r in results]

    def generate_ids_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[list[int]]]:
        if len(batches) < 2 or self._make_parallel is None:
            yield from super().generate_ids_many(batches, settings)
            return
        if self._parallel is None:
            self._parallel = self._make_parallel()
        pending = [
            self._parallel.translate_batch(self._tokens(texts), asynchronous=True, **self._options(s, len(texts)))
            if texts
            else []
            for texts, s in zip(batches, settings, strict=True)
        ]
        for futures in pending:
            yield [self._ids(f.result()) for f in futures]


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailable("runtime.device is 'cuda' but no CUDA device is available; use 'auto' or 'cpu'")
    return device


def resolve_dtype(dtype: str, device: str) -> Any:
    import torch

    if dtype == "auto":
        if device == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    return getattr(torch, dtype)


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


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hub's host answers at all: saves a minute of retries when offline."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((url.hostname or "huggingface.co", url.port or 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def _hub_cached(name: str, revision: str | None) -> bool:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(name, "config.json", revision=revision)
    return isinstance(found, str)


def _unavailable(name: str, why: str) -> ModelUnavailable:
    return ModelUnavailable(
        f"model {name!r} can't be loaded: {why}. Fix: run `precis models pull` where the Hugging Face Hub "
        f"is reachable (the cache is then used offline), or set the model to a local directory in "
        f"Hugging Face format, or use `--config configs/tiny.yaml` for the offline test models."
    )


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
    if not _hub_reachable():
        raise _unavailable(name, "it is not in the local Hugging Face cache and the Hub can't be reached")
    return name, False


BACKENDS = ("auto", "transformers", "ctranslate2")
QUANTIZATIONS = ("auto", "none", "int8")


def resolve_backend(backend: str, quantization: str, device: str) -> tuple[str, str]:
    """The backend and quantization "auto" stands for on a (resolved) device.

    On CPU: CTranslate2 with int8 weights, the fastest path measured by ``make bench``
    (translation 5.7x faster than precis's batched fp32 transformers); on CUDA: transformers
    in bf16/fp16.
    An explicit backend keeps its own default: int8 for CTranslate2, none for transformers.
    """
    if backend == "auto":
        backend = "ctranslate2" if device == "cpu" else "transformers"
    if quantization == "auto":
        quantization = "int8" if backend == "ctranslate2" else "none"
    return backend, quantization


def load(
    name: str,
    *,
    revision: str | None = None,
    device: str = "auto",
    dtype: str = "auto",
    backend: str = "auto",
    quantization: str = "auto",
) -> Seq2Seq:
    """Load a seq2seq model and its tokenizer on a backend, once per process.

    Args:
        backend: "transformers" (PyTorch), "ctranslate2" (a converted copy, cached on disk),
            or "auto" (see ``resolve_backend``).
        quantization: "none", or "int8": dynamic int8 quantization of the Linear layers
            with transformers (CPU), int8 weights and compute with CTranslate2; or "auto".

    Raises:
        ModelUnavailable: with the model's name and what to do about it.
    """
    if backend not in BACKENDS:
        raise ModelUnavailable(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    if quantization not in QUANTIZATIONS:
        raise ModelUnavailable(f"unknown quantization {quantization!r}; valid: {', '.join(QUANTIZATIONS)}")
    import torch

    device = resolve_device(device)
    backend, quantization = resolve_backend(backend, quantization, device)
    # CTranslate2 takes its thread count when loaded (torch's, set by runtime.threads): a
    # config with other threads gets its own copy. transformers follows torch at each call.
    threads = torch.get_num_threads() if backend == "ctranslate2" and device == "cpu" else None
    key = (name, revision, device, dtype, backend, quantization, threads)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _load(name, revision, device, dtype, backend, quantization, threads)
        return _CACHE[key]


def _load(
    name: str,
    revision: str | None,
    device: str,
    dtype: str,
    backend: str,
    quantization: str,
    threads: int | None = None,
) -> Seq2Seq:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    source, local_only, config = _source_and_config(name, revision)
    resolved_revision = _revision(source, revision, config)
    torch_dtype = resolve_dtype(dtype, device)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, revision=revision, local_files_only=local_only)
        if backend == "ctranslate2":  # the converted copy is all it needs: no PyTorch weights in memory
            folder = source if Path(source).is_dir() else _snapshot(source, revision)
        else:
            model = AutoModelForSeq2SeqLM.from_pretrained(
                source, revision=revision, local_files_only=local_only, dtype=torch_dtype
            )
    except (OSError, ValueError, KeyError) as exc:
        raise _unavailable(name, str(exc).splitlines()[0]) from None
    except TypeError as exc:  # a tokenizer whose vocabulary files are missing (Marian's gets None for them)
        raise _unavailable(name, f"its files are incomplete: no tokenizer or weights could be read ({exc})") from None
    if backend == "ctranslate2":
        return _load_ctranslate2(
            name, resolved_revision, folder, tokenizer, config, device, dtype, quantization, threads or 1
        )
    model.to(device).eval()
    # Lengths always come from precis's settings (max_new_tokens/min_new_tokens); a
    # published min_length (56 for distilbart-cnn) would otherwise apply on top of them.
    model.generation_config.min_length = 0
    label = str(model.dtype).removeprefix("torch.")
    if quantization == "int8":
        if device != "cpu":
            raise ModelUnavailable("int8 with the transformers backend is CPU-only; use backend ctranslate2 on CUDA")
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        label = "int8-dynamic"
    return TransformersSeq2Seq(name, resolved_revision, model, tokenizer, device, label, quantization)


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


def _snapshot(name: str, revision: str | None) -> str:
    from huggingface_hub import snapshot_download

    return snapshot_download(name, revision=revision, local_files_only=True)


def converted(folder: str, name: str, revision: str | None, quantization: str) -> Path:
    """A CTranslate2 copy of a Hugging Face model folder, converted once and cached.

    Keyed by model name, revision and quantization, under $PRECIS_CACHE/ctranslate2.
    """
    from ctranslate2.converters import TransformersConverter

    from models.tiny import build_once, cache_root

    class Converter(TransformersConverter):
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            # transformers 5 dropped BART's normalize_before (False for BART models);
            # CTranslate2's BART loader still reads it.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-60:]
    target = cache_root() / "ctranslate2" / f"{slug}-{(revision or 'main')[:16]}-{quantization}"
    if not target.is_dir():  # a log record: stderr by default (stdout may carry JSON), an event in batch runs
        log.warning("converting %s to CTranslate2 (%s), once; cached in %s", name, quantization, target)
    return build_once(
        target,
        lambda out: Converter(folder).convert(str(out), quantization=None if quantization == "none" else quantization),
    )


def _load_ctranslate2(
    name: str,
    revision: str | None,
    folder: str,
    tokenizer: Any,
    config: Any,
    device: str,
    dtype: str,
    quantization: str,
    threads: int,
) -> Seq2Seq:
    try:
        import ctranslate2
    except ImportError:
        raise ModelUnavailable("backend ctranslate2 needs the ctranslate2 package: pip install ctranslate2") from None
    path = converted(folder, name, revision, quantization)
    if quantization == "int8":
        compute_type = "int8_float16" if device == "cuda" else "int8"
    else:
        compute_type = {"auto": "default", "float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}[dtype]
    translator = ctranslate2.Translator(str(path), device=device, compute_type=compute_type, intra_threads=threads)

    def parallel() -> Any:
        return ctranslate2.Translator(
            str(path), device=device, compute_type=compute_type, inter_threads=threads, intra_threads=1
        )

    generation = generation_config(folder, config)
    return CTranslate2Seq2Seq(
        name,
        revision,
        translator,
        tokenizer,
        config,
        device,
        translator.compute_type,
        quantization,
        str(path),
        parallel=parallel if threads > 1 else None,
        forced=(generation.forced_bos_token_id, _first(generation.forced_eos_token_id)),
    )


def _first(token: int | list[int] | None) -> int | None:
    return token[0] if isinstance(token, list) else token


def generation_config(folder: str, config: Any) -> Any:
    """The generation config ``from_pretrained`` gives a model: its own file, else its config's."""
    from transformers import GenerationConfig

    try:
        return GenerationConfig.from_pretrained(folder, local_files_only=True)
    except OSError:
        return GenerationConfig.from_model_config(config)


def pull(name: str, revision: str | None = None) -> str:
    """Download a Hub model's files into the local cache for offline runs; return its folder."""
    if name.startswith(TINY_PREFIX) or Path(name).expanduser().is_dir():
        return locate(name, revision)[0]
    from huggingface_hub import snapshot_download

    if not _hub_reachable():
        raise _unavailable(name, "the Hugging Face Hub can't be reached from this machine")
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
