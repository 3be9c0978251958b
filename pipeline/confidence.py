"""How far the model itself trusts its output: a score per segment, and the low ones flagged.

The score is the mean log-probability per output token of the chosen output, given its
source, under the model that produced it (``Seq2Seq.score``: the output teacher-forced
through the decoder, its end token included). It is length-normalized, so a short and
a long sentence compare, and it leaves out what beam search adds (length penalty,
no-repeat rules), so both backends give the same number for the same model (within
1e-3 in fp32, ``tests/test_confidence.py``; int8 weights move it a little). 0 is
certain; -1 means the model gave the output tokens e^-1 = 0.37 on average. A segment translated in pieces gets the
token-weighted mean of its pieces.

With ``source: decode`` the score is instead the one the search gave its output as it
decoded it (``Seq2Seq.generate_scored_many``): no second pass over every output, so it
costs nothing, but it is the search's number. A token that a no-repeat rule, a minimum
length or a repetition penalty pushed down counts as the search saw it, and backends
apply those rules differently: without them (translation's defaults) both backends give
the same number (within 1e-3 in fp32), that of the generated tokens teacher-forced
(within 1e-4 with transformers, greedy), with them
(distilBART's no-repeat trigrams) they part by up to a few tenths. Outputs taken from
the translation cache have no decoding score: they are rescored. A backend without
decoding scores rescores everything.

A segment is flagged ``low_confidence`` when its score is below ``threshold``, or when
it is among the ``lowest_fraction`` of its article's segments. The default threshold
is a starting point, not a calibration: calibrate it on your own articles with the
model you run (``annotations.confidence.logprob`` of each segment in the JSON).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from pydantic import Field

from models.backends import Seq2Seq
from pipeline.config import Strict
from pipeline.document import Segment

FLAG = "low_confidence"


class ConfidenceConfig(Strict):
    enabled: bool = True  # score every output
    # rescore: one teacher-forced pass over the outputs; decode: the search's own scores (no pass)
    source: Literal["rescore", "decode"] = "rescore"
    threshold: float | None = Field(default=-1.0, le=0)  # mean token log-probability below this: flagged
    lowest_fraction: float = Field(default=0.0, ge=0.0, lt=1.0)  # also flag this share of an article's segments


def score(
    model: Seq2Seq, sources: list[str], outputs: list[str], batches: Sequence[Sequence[int]]
) -> list[tuple[float, int]]:
    """Each output's (mean token log-probability, tokens), scored in the given batches of indices."""
    scores: list[tuple[float, int]] = [(0.0, 0)] * len(sources)
    for batch in batches:
        for i, result in zip(batch, model.score([sources[i] for i in batch], [outputs[i] for i in batch]), strict=True):
            scores[i] = result
    return scores


def combine(pieces: Sequence[tuple[float, int]]) -> tuple[float, int]:
    """The token-weighted mean score of a segment's pieces, and their tokens."""
    tokens = sum(n for _, n in pieces)
    if not tokens:
        return 0.0, 0
    return sum(mean * n for mean, n in pieces) / tokens, tokens


def annotate(segment: Segment, mean: float, tokens: int) -> Segment:
    """The segment with its score in ``annotations["confidence"]``."""
    value = {"logprob": round(mean, 4), "tokens": tokens}
    return replace(segment, annotations={**segment.annotations, "confidence": value})


def flag_low(segments: Sequence[Segment], config: ConfidenceConfig) -> tuple[list[Segment], list[str]]:
    """The segments with ``low_confidence`` flags, and a warning naming them (none: no warning)."""
    scored = [s for s in segments if "confidence" in s.annotations]
    low = set()
    if config.threshold is not None:
        low |= {s.index for s in scored if s.annotations["confidence"]["logprob"] < config.threshold}
    if config.lowest_fraction and scored:
        count = math.ceil(config.lowest_fraction * len(scored))
        ranked = sorted(scored, key=lambda s: (s.annotations["confidence"]["logprob"], s.index))
        low |= {s.index for s in ranked[:count]}
    out = [replace(s, flags=(*s.flags, FLAG)) if s.index in low else s for s in segments]
    if not low:
        return out, []
    rule = [] if config.threshold is None else [f"below {config.threshold}"]
    rule += [f"the lowest {config.lowest_fraction:.0%}"] if config.lowest_fraction else []
    listed = ", ".join(map(str, sorted(low)))
    return out, [f"translate: {len(low)} segment(s) with low model confidence ({' or '.join(rule)}): {listed}"]
