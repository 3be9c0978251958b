"""Fitting text to a model's input window, by construction.

The translate stage splits a sentence too long for its model's input window
(``split_long``, and flags the segment "split:N"); the summarize stage packs an
article's sentences into chunks that each fit its window (``chunk``), in the map round
and in every reduce round.

Every piece and every chunk returned here has been measured exactly as the model will
be given it (the prefix and the special tokens included) and fits. Sums of token
counts only guide the search, never decide: token counts don't add up. A byte-level
BPE tokenizer (BART's) encodes a word after a space differently from the same word
alone ("unicipal" is one token, " unicipal" is three: "Ġun", "icip", "al"), so joining
two sentences with a space cost between -3 and +2 tokens on the tiny BART's
translations; SentencePiece normalizes the spaces around a join and a prefix. The
last resort for a single word too long to fit cuts it between characters, not
between tokens: decoding a slice of token ids is no inverse of encoding (a byte-level
slice can end inside a UTF-8 character and comes back as U+FFFD, one that re-encodes
to more tokens; SentencePiece decodes an unknown character to nothing).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

# Clause boundaries, strongest first: a split keeps the punctuation on the left part.
_CLAUSE_BREAKS = (r"(?<=;)\s+", r"(?<=:)\s+", r"\s+(?=[—–]\s)", r"(?<=,)\s+")
# Texts measured per tokenizer call: the tokenizer holds every encoding of a call at
# once, so a whole article in one call would cost memory in proportion to its length.
MEASURE_SLICE = 256


@dataclass(frozen=True)
class Window:
    """A model's input limit and the exact measure of a text against it.

    Attributes:
        measure: the length in tokens of the input the model is given for each text,
            exactly as the stage will pass it (prefix and special tokens included).
        limit: the most tokens an input may have.
    """

    measure: Callable[[list[str]], list[int]]
    limit: int

    def fits(self, text: str) -> bool:
        return self.measure([text])[0] <= self.limit

    def measure_all(self, texts: list[str]) -> list[int]:
        """``measure`` over any number of texts, ``MEASURE_SLICE`` at a time (bounded memory)."""
        out: list[int] = []
        for start in range(0, len(texts), MEASURE_SLICE):
            out.extend(self.measure(texts[start : start + MEASURE_SLICE]))
        return out


@dataclass(frozen=True)
class Chunk:
    """Consecutive pieces of text that fit a window together, joined with spaces.

    Attributes:
        pieces: the texts, in order; a text too long for the window alone is here as
            the pieces ``split_long`` cut it into, possibly across several chunks.
        sources: for each piece, the index of the input text it comes from.
    """

    pieces: tuple[str, ...]
    sources: tuple[int, ...]

    @property
    def text(self) -> str:
        return " ".join(self.pieces)


def split_long(text: str, window: Window) -> list[str]:
    """Split ``text`` into pieces that each fit ``window``.

    Clause boundaries come first (";", ":", dashes, then commas), packing as many
    clauses as fit into each piece, measured joined; a clause that still doesn't fit is
    split between words the same way; a single word too long to fit (a huge URL, say) is cut
    between characters, into the longest pieces that fit. Every piece returned was
    measured and fits. Nothing is dropped: the pieces joined with spaces give back the
    text's words (a cut word with spaces inside it).

    Raises:
        ValueError: not even one character fits (a window smaller than its prefix).
    """
    tokens = window.measure([text])[0]
    if tokens <= window.limit:
        return [text]
    for pattern in _CLAUSE_BREAKS:
        parts = [p.strip() for p in re.split(pattern, text) if p.strip()]
        if len(parts) > 1:
            return _split_parts(parts, window, tokens)
    words = text.split()
    if len(words) > 1:
        return _split_parts(words, window, tokens)
    return _split_chars(text.strip(), window.fits)


def chunk(texts: list[str], window: Window) -> list[Chunk]:
    """Pack ``texts`` (sentences) into chunks that each fit ``window``, in order.

    A text too long for the window alone is split first (``split_long``). Each chunk
    then takes as many consecutive pieces as fit when joined with spaces, measured
    joined. Each text is in exactly one chunk, unless it was split.
    """
    lengths = window.measure_all(texts)
    pieces: list[str] = []
    sources: list[int] = []
    sizes: list[int] = []
    for i, (text, n) in enumerate(zip(texts, lengths, strict=True)):
        parts = [text] if n <= window.limit else split_long(text, window)
        pieces.extend(parts)
        sources.extend([i] * len(parts))
        # A piece split_long made fits (it was measured); the limit stands for its length.
        sizes.extend([n] if len(parts) == 1 and parts[0] == text else [window.limit] * len(parts))
    return [
        Chunk(tuple(pieces[run.start : run.stop]), tuple(sources[run.start : run.stop]))
        for run in pack(pieces, window, sizes)
    ]


def fits_joined(texts: list[str], window: Window) -> bool:
    """Whether ``texts`` joined with spaces fit ``window``, measured joined.

    Found by packing them (``pack``), so that no measure is of much more than the window:
    a reduce round's partial summaries of a 10 MB article join into millions of tokens,
    which one tokenizer call would hold in memory at once.
    """
    if len(texts) < 2:
        return window.fits(" ".join(texts))
    return pack(texts, window) == [range(0, len(texts))]


def pack(texts: list[str], window: Window, lengths: list[int] | None = None) -> list[range]:
    """Group consecutive texts into runs whose texts, joined with spaces, fit ``window``.

    Greedy, in order: a run takes texts while their joined text fits, measured joined.
    Where the search starts is an estimate that decides nothing: the first text's
    length plus, for each text after it, the length of the text after a space (which
    is exact for a byte-level BPE, whose pre-tokenizer splits at the space, and near
    for SentencePiece), so a run takes about two measures. A text that doesn't fit
    alone is a run of its own, for the caller to split.

    Args:
        lengths: ``window.measure_all(texts)``, when the caller has it already; a text
            known to fit may be given the limit as its length instead.
    """
    if lengths is None:
        lengths = window.measure_all(texts)
    base = window.measure([""])[0]  # the prefix and special tokens, counted once per input
    after_space = window.measure_all([" " + t for t in texts])
    total = list(accumulate((max(0, n - base) for n in after_space), initial=0))
    # A run may reach up to the next text that doesn't fit alone: end[i], the first at or after i.
    end = [len(texts)] * (len(texts) + 1)
    for i in range(len(texts) - 1, -1, -1):
        end[i] = i if lengths[i] > window.limit else end[i + 1]
    runs: list[range] = []
    start = 0
    while start < len(texts):
        stop = start + 1
        if lengths[start] <= window.limit:
            room = window.limit - lengths[start]
            guess = bisect_right(total, total[start + 1] + room, lo=start + 1) - 1
            stop = _search(_run_fits(texts, start, window), start + 1, end[start + 1] + 1, guess)
        runs.append(range(start, stop))
        start = stop
    return runs


def _split_parts(parts: list[str], window: Window, tokens: int) -> list[str]:
    """Pack clauses (or words) of a text of ``tokens`` tokens into pieces that fit; split again
    any part that doesn't fit alone.

    Each piece takes as many parts as fit joined, measured joined; the search starts from
    the share of the parts that the window holds, then from the size of the piece before.
    """
    pieces: list[str] = []
    start, size = 0, max(1, len(parts) * window.limit // max(1, tokens))
    while start < len(parts):
        stop = _search(_run_fits(parts, start, window), start + 1, len(parts) + 1, start + size)
        joined = " ".join(parts[start:stop])
        # Several parts were measured joined and fit; a lone part may not.
        pieces.extend([joined] if stop - start > 1 else split_long(joined, window))
        start, size = stop, stop - start
    return pieces


def _run_fits(texts: list[str], start: int, window: Window) -> Callable[[int], bool]:
    """Whether ``texts[start:k]`` joined with spaces fits, as a function of ``k``."""
    return lambda k: window.fits(" ".join(texts[start:k]))


def _split_chars(word: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut one word into the longest prefixes that fit, at character boundaries.

    Each cut looks only as far ahead as the piece can reach (a few times the last piece's
    length, doubled while it still fits), never at the whole rest of the word: measuring
    the rest before every cut made a word of N characters cost N^2 / piece.
    """
    pieces: list[str] = []
    size = 1
    while word:
        hi = min(len(word), max(4 * size, 64))
        while hi < len(word) and fits(word[:hi]):  # a longer piece than guessed: look further
            hi = min(len(word), 2 * hi)
        if hi == len(word) and fits(word):
            pieces.append(word)
            break
        size = _search(lambda k, w=word: fits(w[:k]), 0, hi, size)
        if size == 0:
            raise ValueError(f"not even one character of {word[:20]!r} fits the model's input window")
        size = _grapheme_start(word, size, fits)
        pieces.append(word[:size])
        word = word[size:]
    return pieces


def _grapheme_start(word: str, cut: int, fits: Callable[[str], bool]) -> int:
    """Move a cut back before combining marks and joiners, so that a piece never starts with one."""
    back = cut
    while back > 0 and (unicodedata.combining(word[back]) or word[back] in "\u200c\u200d\ufe0e\ufe0f"):
        back -= 1
    return back if 0 < back < cut and fits(word[:back]) else cut


def _search(ok: Callable[[int], bool], lo: int, hi: int, guess: int) -> int:
    """A k in [lo, hi) with ok(k) and not ok(k + 1) (or k + 1 == hi), found from ``guess``.

    ``ok(lo)`` is known to hold (or ``lo`` is a floor that needs no check) and ``hi`` is
    out of range or known to fail. It gallops from the guess (steps 1, 2, 4, ...) to a
    bracket, then bisects: a few calls when the guess is close. The answer is checked,
    never assumed from monotonicity, which token counts don't quite have.
    """
    probe = min(max(guess, lo + 1), hi - 1)
    if probe <= lo:
        return lo
    step = 1
    if ok(probe):
        lo = probe
        while lo + step < hi and ok(lo + step):
            lo += step
            step *= 2
        hi = min(hi, lo + step)
    else:
        hi = probe
        while hi - step > lo and not ok(hi - step):
            hi -= step
            step *= 2
        if hi - step > lo:
            lo = hi - step
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo
