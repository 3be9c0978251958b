"""The transformers backend: PyTorch generation through transformers' ``generate``.

torch is imported when a model is loaded or run, not with this module: ``resolve_backend``
and the signature read this class's attributes without loading any model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from models.backends import GenerationSettings, LoadSpec, ModelSource, Scored, register
from models.backends.base import Seq2SeqBase, reading
from pipeline.errors import ModelUnavailable

if TYPE_CHECKING:
    import torch


def _first(token: int | list[int] | None) -> int | None:
    return token[0] if isinstance(token, list) else token


def resolve_dtype(dtype: str, device: str) -> torch.dtype:
    """The torch dtype of a config's ``dtype``: "auto" is bf16 (else fp16) on CUDA, fp32 on CPU."""
    import torch

    from models.loading import resolve_dtype_name

    return getattr(torch, resolve_dtype_name(dtype, device))


@register("transformers")
class TransformersSeq2Seq(Seq2SeqBase):
    """PyTorch generation through transformers' ``generate``."""

    libraries = ("torch",)
    default_quantization = "none"
    scores = True
    decode_scores = True

    def __init__(self, spec: LoadSpec, source: ModelSource, model: Any, dtype: str) -> None:
        super().__init__(spec, source, dtype)
        self.config = model.config
        self.model = model
        self.threads = spec.threads  # None: torch's own count, left alone

    @classmethod
    def load(cls, spec: LoadSpec, source: ModelSource) -> TransformersSeq2Seq:
        """Load the weights with ``from_pretrained`` onto the device, quantized when asked.

        Raises:
            ModelUnavailable: the weights can't be read, or int8 is asked for on CUDA.
        """
        import torch
        from transformers import AutoModelForSeq2SeqLM

        with reading(spec.name):
            model = AutoModelForSeq2SeqLM.from_pretrained(
                source.location,
                revision=spec.revision,
                local_files_only=source.local_only,
                dtype=resolve_dtype(spec.dtype, spec.device),
            )
        model.to(spec.device).eval()
        # Lengths always come from precis's settings (max_new_tokens/min_new_tokens); a
        # published min_length (56 for distilbart-cnn) would otherwise apply on top of them.
        model.generation_config.min_length = 0
        label = str(model.dtype).removeprefix("torch.")
        if spec.quantization == "int8":
            if spec.device != "cpu":
                raise ModelUnavailable(
                    "int8 with the transformers backend is CPU-only; use backend ctranslate2 on CUDA"
                )
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            label = "int8-dynamic"
        return cls(spec, source, model, label)

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        """Decode one batch with ``generate`` (greedy or beam search, no sampling)."""
        if not texts:
            return []
        return [self._strip_special(row) for row in self._generate(texts, settings).tolist()]

    def generate_scored_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[Scored]]:
        """``generate_many`` with ``generate``'s own token scores (``Seq2SeqBase.generate_scored_many``)."""
        for texts, s in zip(batches, settings, strict=True):
            yield self._generate_scored(texts, s) if texts else []

    def _generate_scored(self, texts: list[str], settings: GenerationSettings) -> list[Scored]:
        out = self._generate(texts, settings, output_scores=True, return_dict_in_generate=True)
        beams = out.beam_indices if settings.num_beams > 1 else None
        # Greedy search keeps the processed logits, beam search their log-softmax: normalize the first.
        steps = self.model.compute_transition_scores(out.sequences, out.scores, beams, normalize_logits=beams is None)
        generated = out.sequences[:, -steps.shape[1] :].tolist()
        generation = self.model.generation_config
        forced = {0: generation.forced_bos_token_id, settings.max_new_tokens - 1: generation.forced_eos_token_id}
        eos = self.tokenizer.eos_token_id
        results = []
        for row, values in zip(generated, steps.tolist(), strict=True):
            total, tokens = 0.0, 0
            for step, (token, value) in enumerate(zip(row, values, strict=True)):
                if forced.get(step) is not None and token == _first(forced[step]):
                    continue  # forced, not chosen: CTranslate2 leaves it out too
                total, tokens = total + value, tokens + 1
                if token == eos:
                    break
            results.append(Scored(self._decode([self._strip_special(row)])[0], total / max(1, tokens), tokens))
        return results

    def _generate(self, texts: list[str], settings: GenerationSettings, **extra: Any) -> Any:
        import torch

        # torch's thread count is process-wide: set it at each call, so that models loaded
        # with different counts each run with their own.
        if self.threads is not None and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
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
                **extra,
            )
        return out

    def score(self, sources: list[str], targets: list[str]) -> list[tuple[float, int]]:
        """``Seq2SeqBase.score``: one teacher-forced forward pass over the batch."""
        import torch

        if not sources:
            return []
        enc = self.tokenizer(sources, return_tensors="pt", padding=True, truncation=False)
        self._check_window([enc["input_ids"].shape[1]])
        ids = self._target_ids(targets)
        width = max(len(i) for i in ids)
        labels = torch.full((len(ids), width), -100, dtype=torch.long)
        for row, target in enumerate(ids):
            labels[row, : len(target)] = torch.tensor(target, dtype=torch.long)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        labels = labels.to(self.device)
        with torch.inference_mode():
            logits = self.model(**enc, labels=labels).logits
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        mask = labels != -100
        picked = logprobs.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask
        counts = mask.sum(dim=1)
        return [(float(total) / max(1, int(n)), int(n)) for total, n in zip(picked.sum(dim=1), counts, strict=True)]
