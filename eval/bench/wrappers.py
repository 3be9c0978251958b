"""The bench's two wrappers around precis's own code: fixed decode lengths, and recorded token ids.

Neither copies any generation logic: the stage plans and batches as it always does, and
the model generates as it always does.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from models.backends import GenerationSettings
from pipeline.translate import Translate


class FixedLengthTranslate(Translate):
    """precis's translate stage decoding exactly ``max_new_tokens`` tokens for every batch.

    Random weights would stop decoding at random; with ``min_new_tokens = max_new_tokens``
    every variant does the same work. With ``max_new_tokens_ratio=1.0`` and offset 0, that
    is one output token per token of a batch's longest source.
    """

    def settings(self, source_tokens: int, retry: bool = False) -> GenerationSettings:
        settings = super().settings(source_tokens, retry=retry)
        return replace(settings, min_new_tokens=settings.max_new_tokens)


class RecordingSeq2Seq:
    """A Seq2Seq that delegates every call to ``wrapped`` and records the token ids of each output.

    The ids are kept by input text until ``take`` hands them out; whatever else a stage
    reads (window, token counts, batch limits, description) is the wrapped model's.
    """

    decode_scores = False  # the decoding's scores would bypass the recording: stages rescore

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped
        self._ids: defaultdict[str, deque[list[int]]] = defaultdict(deque)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        ids = self.wrapped.generate_ids(texts, settings)
        self._record(texts, ids)
        return ids

    def generate_ids_many(
        self, batches: list[list[str]], settings: list[GenerationSettings]
    ) -> Iterator[list[list[int]]]:
        for texts, ids in zip(batches, self.wrapped.generate_ids_many(batches, settings), strict=True):
            self._record(texts, ids)
            yield ids

    def generate(self, texts: list[str], settings: GenerationSettings) -> list[str]:
        return self._decode(self.generate_ids(texts, settings))

    def generate_many(self, batches: list[list[str]], settings: list[GenerationSettings]) -> Iterator[list[str]]:
        for ids in self.generate_ids_many(batches, settings):
            yield self._decode(ids)

    def _decode(self, ids: list[list[int]]) -> list[str]:
        # The Seq2Seq protocol has no public decode; the texts only feed the stage's Translations.
        return [t.strip() for t in self.wrapped.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    def _record(self, texts: list[str], ids: list[list[int]]) -> None:
        for text, row in zip(texts, ids, strict=True):
            self._ids[text].append(row)

    def take(self, texts: list[str]) -> list[list[int]]:
        """The ids recorded for ``texts``, in their order, and forget every recorded output.

        A text given several times gets its outputs in the order they were made: the stage
        sorts by length stably, so that is the order of the inputs.
        """
        out = [self._ids[text].popleft() for text in texts]
        self._ids.clear()
        return out
