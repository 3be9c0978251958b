"""The tokenizer side every backend shares, and what ``models.loading`` hands a backend.

A backend subclasses ``Seq2SeqBase`` and writes ``generate_ids`` (and, when it can run
batches concurrently, ``generate_ids_many``); tokenization, the input window, decoding
ids to text and the description are here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pipeline.errors import ModelUnavailable

if TYPE_CHECKING:
    from models.backends import GenerationSettings, LoadSpec, ModelSource, Scored

# Per translation batch on CPU: small batches; beam search reorders its cache every step,
# and the cache grows with the batch. ``python -m eval.bench --articles 8 --sweep-batches
# 4096x64 1024x16 768x16 512x16`` on a 2-core CPU (81 sentences): CTranslate2 int8 116,
# 380, 384 and 366 source tokens/s; transformers fp32 46, 65, 70 and 74.
CPU_BATCH_LIMITS = (768, 16)


def unavailable(name: str, why: str) -> ModelUnavailable:
    """The error for a model that can't be had, with ``why`` and what to do about it."""
    return ModelUnavailable(
        f"model {name!r} can't be loaded: {why}. Fix: run `precis models pull` where the Hugging Face Hub "
        f"is reachable (the cache is then used offline), or set the model to a local directory in "
        f"Hugging Face format, or use `--config configs/tiny.yaml` for the offline test models."
    )


@contextmanager
def reading(name: str) -> Iterator[None]:
    """Turn the errors of reading a model's files (tokenizer, weights) into ``ModelUnavailable``."""
    try:
        yield
    except (OSError, ValueError, KeyError) as exc:
        raise unavailable(name, str(exc).splitlines()[0]) from None
    except TypeError as exc:  # a tokenizer whose vocabulary files are missing (Marian's gets None for them)
        raise unavailable(name, f"its files are incomplete: no tokenizer or weights could be read ({exc})") from None


class Seq2SeqBase:
    """A loaded encoder-decoder model and its tokenizer; subclasses run generation on one backend."""

    backend = "none"  # set by ``models.backends.register``
    libraries: tuple[str, ...] = ()
    default_quantization = "none"
    scores = False  # whether ``score`` is implemented (the confidence of outputs)
    decode_scores = False  # whether ``generate_scored_many`` is implemented

    def __init__(self, spec: LoadSpec, source: ModelSource, dtype: str) -> None:
        """Keep what the stages read.

        Args:
            spec: how the model was loaded (name, device, quantization).
            source: the located model; its revision, config and tokenizer are kept.
            dtype: what the weights compute in, as the backend names it.
        """
        self.name = spec.name
        self.quantization = spec.quantization  # "int8" when the weights are quantized
        self.revision = source.revision
        self.tokenizer = source.tokenizer
        self.config = source.config
        self.device = spec.device
        self.dtype = dtype

    @classmethod
    def load(cls, spec: LoadSpec, source: ModelSource) -> Seq2SeqBase:
        """Load the model ``source`` locates as ``spec`` says."""
        raise NotImplementedError

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

    def batch_limits(self) -> tuple[int, int]:
        """Default (padded source tokens, sequences) per translation batch on this device.

        CPU: ``CPU_BATCH_LIMITS`` (measured there).
        CUDA: about 2,048 tokens per GiB of free memory, between 4,096 and 65,536.
        """
        if self.device != "cuda":
            return CPU_BATCH_LIMITS
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

    def generate_scored_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[Scored]]:
        """``generate_many``, each output with its score from the decoding itself.

        The score is the mean log-probability per generated token of the chosen output as
        the search scored it: after its rules (no-repeat n-grams, repetition penalty, a
        minimum length), without its length penalty. The end token counts when it was
        generated; a token the generation config forces (BART's first token, a last end
        token) does not. Unlike ``score`` it costs no second pass, but it is the search's
        number, not the model's alone: a token a rule pushed down scores lower, and the
        tokens are the generated ones, not the output re-encoded.
        """
        raise NotImplementedError(f"backend {self.backend!r} gives no decoding scores")

    def score(self, sources: list[str], targets: list[str]) -> list[tuple[float, int]]:
        """How likely the model finds each target as the output for its source.

        Returns:
            per pair, (mean log-probability per target token, target tokens): the target
            as the tokenizer encodes it (its end token included), teacher-forced through
            the decoder. Length-normalized and free of beam search's length penalty and
            repetition rules, it is the same number on every backend (within the
            precision of the weights) and comparable between outputs of any length.
        """
        raise NotImplementedError(f"backend {self.backend!r} gives no scores")

    def _target_ids(self, targets: list[str]) -> list[list[int]]:
        """The targets as the decoder is trained to produce them: the tokenizer's target encoding.

        Cut at the window: an output re-encoded can be longer than the tokens that were
        generated (a degenerate one), and the decoder has no positions past the window.
        """
        ids = self.tokenizer(text_target=targets, truncation=False)["input_ids"]
        return [row[: self.window - 1] for row in ids]

    def _decode(self, ids: list[list[int]]) -> list[str]:
        return [t.strip() for t in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    def _strip_special(self, ids: list[int]) -> list[int]:
        special = set(self.tokenizer.all_special_ids)
        return [i for i in ids if i not in special]

    def info(self) -> dict[str, Any]:
        """Name, revision, dtype, backend, quantization and device, for reports and signatures."""
        return {
            "name": self.name,
            "revision": self.revision,
            "dtype": self.dtype,
            "backend": self.backend,
            "quantization": self.quantization,
            "device": self.device,
        }
