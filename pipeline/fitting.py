"""Fitting text to a model's input window: clause splits first, token splits as a last resort.

The translate stage uses ``split_long`` for a sentence too long for its model's input
window (and flags the segment "split:N"); the summarize stage, for a sentence too long
to fit in one chunk.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Clause boundaries, strongest first: a split keeps the punctuation on the left part.
_CLAUSE_BREAKS = (r"(?<=;)\s+", r"(?<=:)\s+", r"\s+(?=[—–]\s)", r"(?<=,)\s+")


def split_long(
    text: str,
    fits: Callable[[str], bool],
    split_tokens: Callable[[str], list[str]],
) -> list[str]:
    """Split ``text`` into pieces that each ``fits`` a model's input window.

    Clause boundaries come first (";", ":", dashes, then commas), packing as many
    clauses as fit into each piece; a clause that still doesn't fit is split between
    words; ``split_tokens`` is the last resort, for a single word too long to fit
    (a huge URL, say). Nothing is dropped: the pieces joined with spaces give back
    the text's words.
    """
    if fits(text):
        return [text]
    for pattern in _CLAUSE_BREAKS:
        parts = [p for p in re.split(pattern, text) if p]
        if len(parts) > 1:
            pieces: list[str] = []
            for part in _pack(parts, fits):
                pieces.extend(split_long(part, fits, split_tokens))
            return pieces
    words = text.split()
    if len(words) > 1:
        pieces = []
        for part in _pack(words, fits):
            pieces.extend(split_long(part, fits, split_tokens) if not fits(part) else [part])
        return pieces
    return split_tokens(text)


def _pack(parts: list[str], fits: Callable[[str], bool]) -> list[str]:
    """Greedily join consecutive parts with spaces while the result still fits."""
    packed: list[str] = []
    for part in parts:
        if packed and fits(f"{packed[-1]} {part}"):
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed
