"""The CTranslate2 backend: generation on a converted copy of the model (int8 or float).

ctranslate2 is imported when a model is loaded, not with this module, so a missing
package is an error that says what to install, and only for configs that use it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from models.backends import GenerationSettings, LoadSpec, ModelSource, Scored, register
from models.backends.base import Seq2SeqBase, reading
from models.conversion import converted
from pipeline.errors import ModelUnavailable

# CTranslate2 compute type of each float dtype the config may name ("default": the model's own).
FLOAT_COMPUTE_TYPES = {"auto": "default", "float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}


def compute_type(quantization: str, dtype: str, device: str) -> str:
    """The compute type asked of CTranslate2; it reports the one it picks (``int8`` -> ``int8_float32`` on CPU)."""
    if quantization == "int8":
        return "int8_float16" if device == "cuda" else "int8"
    return FLOAT_COMPUTE_TYPES[dtype]


def cpu_threads() -> int:
    """The CPUs this process may run on (its affinity mask, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def generation_config(folder: str, config: Any) -> Any:
    """The generation config ``from_pretrained`` gives a model: its own file, else its config's."""
    from transformers import GenerationConfig

    try:
        return GenerationConfig.from_pretrained(folder, local_files_only=True)
    except OSError:
        return GenerationConfig.from_model_config(config)


def _first(token: int | list[int] | None) -> int | None:
    return token[0] if isinstance(token, list) else token


def _snapshot(name: str, revision: str | None) -> str:
    from huggingface_hub import snapshot_download

    return snapshot_download(name, revision=revision, local_files_only=True)


@register("ctranslate2")
class CTranslate2Seq2Seq(Seq2SeqBase):
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

    libraries = ("ctranslate2",)
    default_quantization = "int8"
    scores = True
    decode_scores = True

    def __init__(
        self,
        spec: LoadSpec,
        source: ModelSource,
        translator: Any,
        path: str,
        threads: int,
        parallel: Callable[[], Any] | None = None,
        forced: tuple[int | None, int | None] = (None, None),
    ) -> None:
        super().__init__(spec, source, translator.compute_type)
        self.translator = translator
        self.path = path  # the converted model's folder
        self.threads = threads
        self._make_parallel = parallel
        self._parallel: Any = None
        self.forced_bos, self.forced_eos = forced  # token ids from the generation config

    @classmethod
    def load(cls, spec: LoadSpec, source: ModelSource) -> CTranslate2Seq2Seq:
        """Convert the model once (cached), then load the copy on the device.

        Threads (CPU): ``spec.threads``, else every CPU this process may use; on CUDA one.

        Raises:
            ModelUnavailable: the model's files can't be read, or ctranslate2 isn't installed.
        """
        with reading(spec.name):  # the converted copy is all it needs: no PyTorch weights in memory
            folder = source.location if Path(source.location).is_dir() else _snapshot(source.location, spec.revision)
        try:
            import ctranslate2
        except ImportError:
            raise ModelUnavailable(
                "backend ctranslate2 needs the ctranslate2 package: pip install ctranslate2"
            ) from None
        path = str(converted(folder, spec.name, source.revision, spec.quantization))
        threads = (spec.threads or cpu_threads()) if spec.device == "cpu" else 1
        kind = compute_type(spec.quantization, spec.dtype, spec.device)
        translator = ctranslate2.Translator(path, device=spec.device, compute_type=kind, intra_threads=threads)

        def parallel() -> Any:
            return ctranslate2.Translator(
                path, device=spec.device, compute_type=kind, inter_threads=threads, intra_threads=1
            )

        generation = generation_config(folder, source.config)
        return cls(
            spec,
            source,
            translator,
            path,
            threads,
            parallel=parallel if threads > 1 else None,
            forced=(generation.forced_bos_token_id, _first(generation.forced_eos_token_id)),
        )

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

    def _scored(self, result: Any, settings: GenerationSettings) -> Scored:
        """An output and its decoding score (``Seq2SeqBase.generate_scored_many``).

        CTranslate2's score is the sum of the generated tokens' log-probabilities (the
        target prefix left out, the end token in when returned) divided by
        ``len(hypothesis) ** length_penalty``, the prefix counted in that length.
        """
        hypothesis = result.hypotheses[0]
        generated = len(hypothesis) - (self.forced_bos is not None)
        if generated <= 0:
            return Scored(self._decode([self._ids(result)])[0], 0.0, 0)
        total = result.scores[0] * len(hypothesis) ** settings.length_penalty
        return Scored(self._decode([self._ids(result)])[0], total / generated, generated)

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        """Decode one batch on the translator that uses every thread for it."""
        return [self._ids(r) for r in next(self._results([texts], [settings]))]

    def generate_ids_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[list[int]]]:
        """Decode several batches at once, one thread each (see the class docstring)."""
        for results in self._results(batches, settings):
            yield [self._ids(r) for r in results]

    def generate_scored_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[Scored]]:
        """``generate_ids_many`` with CTranslate2's scores, as ``Seq2SeqBase.generate_scored_many`` says."""
        results = self._results(batches, settings, return_scores=True, return_end_token=True)
        for batch, s in zip(results, settings, strict=True):
            yield [self._scored(r, s) for r in batch]

    def _results(
        self, batches: list[list[str]], settings: list[GenerationSettings], **extra: Any
    ) -> Iterator[list[Any]]:
        """CTranslate2's results of each batch, in order: one batch on the translator that
        uses every thread; several at once on the one that gives each batch a thread."""
        if len(batches) < 2 or self._make_parallel is None:
            for texts, s in zip(batches, settings, strict=True):
                yield (
                    self.translator.translate_batch(self._tokens(texts), **self._options(s, len(texts)), **extra)
                    if texts
                    else []
                )
            return
        if self._parallel is None:
            self._parallel = self._make_parallel()
        pending = [
            self._parallel.translate_batch(
                self._tokens(texts), asynchronous=True, **self._options(s, len(texts)), **extra
            )
            if texts
            else []
            for texts, s in zip(batches, settings, strict=True)
        ]
        for futures in pending:
            yield [f.result() for f in futures]

    def score(self, sources: list[str], targets: list[str]) -> list[tuple[float, int]]:
        """``Seq2SeqBase.score`` with ``Translator.score_batch``, which adds the end token itself."""
        if not sources:
            return []
        eos = self.tokenizer.eos_token_id
        target_tokens = [
            self.tokenizer.convert_ids_to_tokens(ids[:-1] if ids and ids[-1] == eos else ids)
            for ids in self._target_ids(targets)
        ]
        results = self.translator.score_batch(self._tokens(sources), target_tokens, max_batch_size=0)
        return [(sum(r.log_probs) / max(1, len(r.log_probs)), len(r.log_probs)) for r in results]
