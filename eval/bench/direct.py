"""The reference precis's CTranslate2 path must meet: CTranslate2 called directly, as a user writes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def reference(stage: Any, model: Any, model_dir: str, threads: int) -> Callable[[list[str]], list[list[int]]]:
    """CTranslate2 on precis's batches: its own translator, one ``translate_batch`` per batch, in order.

    Only public names: the converted folder, device and compute type of precis's model, the
    decoding length it gives for a batch's settings, the stage's plan, and the tokenizer of
    the model folder loaded as a user loads it.

    Args:
        stage: precis's translate stage (its ``plan`` gives the batches and their settings).
        model: the stage's CTranslate2 model.
        model_dir: the Hugging Face folder the model was converted from.
        threads: the translator's threads (all of them, on each call).
    """
    import ctranslate2
    from transformers import AutoTokenizer

    translator = ctranslate2.Translator(
        model.path, device=model.device, compute_type=model.dtype, intra_threads=threads
    )
    tokenizer = AutoTokenizer.from_pretrained(model_dir)

    def translate(texts: list[str]) -> list[list[int]]:
        ids = tokenizer(texts)["input_ids"]
        out: list[list[int]] = [[] for _ in texts]
        for batch, settings in stage.plan([len(i) for i in ids]):
            # the length generate() gives: one step less where the model forces its last token
            n = model.max_length(settings)
            tokens = [tokenizer.convert_ids_to_tokens(ids[i]) for i in batch]
            results = translator.translate_batch(
                tokens, beam_size=4, max_decoding_length=n, min_decoding_length=n, max_batch_size=0
            )
            for i, r in zip(batch, results, strict=True):
                out[i] = tokenizer.convert_tokens_to_ids(r.hypotheses[0])
        return out

    return translate
