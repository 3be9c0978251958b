"""Putting a sentence's inline markup back into its translation: links, emphasis, code.

The translation is plain text; each marked span of the French sentence
(``inline.InlineSpan``) is looked for in it, in this order:

1. its French text as written (names, figures, code and URLs are mostly copied);
2. its own translation (the span translated alone: ``Translate`` does it), exactly,
   then case-insensitively;
3. the same, fuzzily: a run of as many words whose similarity ratio is 0.8 or more.

Where several places match, the one nearest the span's relative position in the
sentence wins; a nested span (emphasis inside a link) is looked for inside its outer
span's place. A span found nowhere, or only where it would touch another span, is
**moved**: its translation, marked up, is appended at the end of the sentence, and the
segment is flagged ``markup:moved``. Markers go at the ends of regions that keep clear
of each other, outer ones first, and the result is read back with the CommonMark
parser: if it doesn't give the same spans (CommonMark's flanking rules refuse emphasis
in some places), every span is moved. So every span of the source appears exactly once
in the output, well formed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from pipeline.document import InlineSpan
from pipeline.inline import read

FLAG = "markup:moved"
MIN_RATIO = 0.8
_WORDS = re.compile(r"\S+")


@dataclass(frozen=True)
class Placed:
    """A translation with its markup, and how many spans had to be moved to its end."""

    text: str
    moved: int = 0


def place(source: str, translation: str, spans: Sequence[InlineSpan], renderings: Sequence[str]) -> Placed:
    """The translation with each span's markup put back (module docstring).

    Args:
        source: the French sentence the spans' offsets refer to.
        translation: its English translation, plain.
        spans: the sentence's spans, outer ones first (as ``inline.spans_of`` gives them).
        renderings: each span's text in English (its own translation), in ``spans``' order.
    """
    placed = _place(source, translation, spans, renderings, search=True)
    if not _reads_back(placed.text, spans):
        # Markers where CommonMark reads them otherwise (emphasis of a lone dash against a
        # digit): every span goes to the end instead, where each stands apart.
        placed = _place(source, translation, spans, renderings, search=False)
    return placed


def _reads_back(text: str, spans: Sequence[InlineSpan]) -> bool:
    """Whether a parser reads the same spans, kind by kind, in ``text``."""
    return Counter(s.kind for s in read(text)[1]) == Counter(s.kind for s in spans)


def _place(
    source: str, translation: str, spans: Sequence[InlineSpan], renderings: Sequence[str], *, search: bool
) -> Placed:
    regions: dict[int, tuple[int, int]] = {}
    for i, span in enumerate(spans if search else ()):
        parent = _parent(spans, i)
        if parent is not None and parent not in regions:
            continue  # placed with its outer span, where that one is moved
        window = regions[parent] if parent is not None else (0, len(translation))
        ancestors = _ancestors(spans, i)
        others = [region for j, region in regions.items() if j not in ancestors]
        found = _find(source, translation, span, renderings[i], window, others)
        if found is not None:
            regions[i] = found
    # A span not placed is moved, unless its outer span is moved too (it goes along inside it).
    moved = [i for i in range(len(spans)) if i not in regions and _parent(spans, i) in (None, *regions)]
    text = _insert(translation, [(regions[i], spans[i]) for i in sorted(regions)])
    count = 0
    for i in moved:
        # The moved span's own translation, with the spans it holds placed inside it.
        inner = [j for j in range(len(spans)) if j != i and _within(spans[j], spans[i])]
        shifted = [s for s in (spans[j].shifted(spans[i].start, spans[i].end - spans[i].start) for j in inner) if s]
        piece = _place(
            source[spans[i].start : spans[i].end], renderings[i], shifted, [renderings[j] for j in inner], search=search
        )
        text = f"{text} {_wrap(piece.text, spans[i])}".strip()
        count += 1 + piece.moved
    return Placed(text, count)


def _within(inner: InlineSpan, outer: InlineSpan) -> bool:
    """Whether ``inner`` is held by ``outer``: inside it, or on the same text and ranked inside it."""
    if not (outer.start <= inner.start and inner.end <= outer.end):
        return False
    if (inner.start, inner.end) == (outer.start, outer.end):
        return _rank(inner) > _rank(outer)
    return True


def _rank(span: InlineSpan) -> int:
    return ("link", "strong", "em", "code").index(span.kind)


def _ancestors(spans: Sequence[InlineSpan], i: int) -> set[int]:
    return {j for j in range(i) if _within(spans[i], spans[j])}


def _parent(spans: Sequence[InlineSpan], i: int) -> int | None:
    """The innermost earlier span that holds span ``i``, or None."""
    holders = [j for j in range(i) if _within(spans[i], spans[j])]
    return holders[-1] if holders else None


def _find(
    source: str,
    translation: str,
    span: InlineSpan,
    rendering: str,
    window: tuple[int, int],
    regions: list[tuple[int, int]],
) -> tuple[int, int] | None:
    lo, hi = window
    expected = lo + (hi - lo) * (span.start / max(1, len(source)))
    candidates = [source[span.start : span.end]]
    if rendering and rendering not in candidates:
        candidates.append(rendering)
    for flags in (0, re.IGNORECASE):
        for text in candidates:
            pattern = rf"(?<!\w){re.escape(text)}(?!\w)" if text[:1].isalnum() else re.escape(text)
            places = [(m.start(), m.end()) for m in re.finditer(pattern, translation[lo:hi], flags)]
            places = [(lo + a, lo + b) for a, b in places if _fits((lo + a, lo + b), regions)]
            if places:
                return min(places, key=lambda p: abs(p[0] - expected))
    return _fuzzy(translation, rendering or candidates[0], window, regions, expected)


def _fuzzy(
    translation: str, text: str, window: tuple[int, int], regions: list[tuple[int, int]], expected: float
) -> tuple[int, int] | None:
    size = len(text.split())
    if not size:
        return None
    words = [m for m in _WORDS.finditer(translation) if window[0] <= m.start() and m.end() <= window[1]]
    best: tuple[float, float, tuple[int, int]] | None = None
    for k in range(len(words) - size + 1):
        start, end = words[k].start(), words[k + size - 1].end()
        while end > start and not translation[end - 1].isalnum():
            end -= 1  # leave trailing punctuation out of the span
        ratio = SequenceMatcher(None, translation[start:end].lower(), text.lower()).ratio()
        if ratio >= MIN_RATIO and _fits((start, end), regions):
            key = (-ratio, abs(start - expected), (start, end))
            if best is None or key < best:
                best = key
    return best[2] if best else None


def _fits(region: tuple[int, int], regions: list[tuple[int, int]]) -> bool:
    """Whether ``region`` keeps clear of ``regions`` (the places of spans that don't hold it).

    At least one character apart: markers of two spans side by side (``*a**b*``) would
    read as other markup.
    """
    a, b = region
    return all(b < c or d < a for c, d in regions)


def _insert(text: str, placed: list[tuple[tuple[int, int], InlineSpan]]) -> str:
    """``text`` with each span's opening and closing markers at its region's ends."""
    events = []
    for order, ((start, end), span) in enumerate(placed):
        opening, closing = _markers(span, text[start:end])
        # At one position: closings before openings; outer spans open first and close last.
        events.append((start, 1, -(end - start), order, opening))
        events.append((end, 0, -start, -order, closing))
    out, last = [], 0
    for position, _, _, _, marker in sorted(events):
        out.append(text[last:position])
        out.append(marker)
        last = position
    out.append(text[last:])
    return "".join(out)


def _wrap(text: str, span: InlineSpan) -> str:
    opening, closing = _markers(span, text)
    return f"{opening}{text}{closing}"


def _markers(span: InlineSpan, text: str) -> tuple[str, str]:
    if span.kind == "code":
        fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return fence + pad, pad + fence
    if span.kind == "link":
        from pipeline.io import link_target  # the one rule for targets written in any format

        target = link_target(span.target)
        if target is None:  # a scheme precis doesn't write (data:, ...): the link's text stays, plain
            return "", ""
        if span.marker == "<>" and text == span.target == target:
            return "<", ">"
        if re.search(r"[\s()<>]", target):
            target = "<" + target.replace("<", "%3C").replace(">", "%3E") + ">"
        return "[", f"]({target})"
    # Asterisks, whatever was written: unlike underscores they also mark part of a word.
    marker = "**" if span.kind == "strong" else "*"
    return marker, marker
