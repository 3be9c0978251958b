"""Hostile inputs: repetitive text made to find code that is superlinear in its input.

Each is a function of a length ``n`` giving about ``n`` characters. ``make scaling``
(scripts/scaling.py) times every stage on them beside ordinary news text, and
tests/test_hostile_text.py checks that four times the text takes at most eight times
the time. They come from what was found quadratic or worse: a regular expression that
read ahead to a missing closer from every opener, a loop that looked at the rest of the
text from every position, a lookup done once per pair of tokens.
"""

from __future__ import annotations

from collections.abc import Callable


def _codes(n: int) -> str:
    return " ".join(f"AB{k}" for k in range(n // 6))


def _marked(n: int) -> str:
    return " ".join(f"Le *mot{k}* est là." for k in range(n // 20))


# One line of text each: sentences, numbers, names, addresses, inline markup.
HOSTILE: dict[str, Callable[[int], str]] = {
    "stops": lambda n: "1." * (n // 2),
    "www": lambda n: "www." + "a." * (n // 2),
    "names": lambda n: "Jean de " * (n // 8),
    "url": lambda n: "http://" + "a." * (n // 2),
    "email": lambda n: "a" * (n // 2) + "@" + "b." * (n // 4),
    "spaced digits": lambda n: "1 " * (n // 2),
    "comma digits": lambda n: "1," * (n // 2),
    "glued words": lambda n: "a.B" * (n // 3),
    "hyphens": lambda n: "a-" * (n // 2),
    "codes": _codes,
    "brackets": lambda n: "[" * n,
    "links": lambda n: "[b]((y)" * (n // 7),
    "emphasis": lambda n: "*a " * (n // 3),
    "marked sentences": _marked,
    "tags": lambda n: "<a" * (n // 2),
    "years": lambda n: "en 2004 " * (n // 8),
    "currencies": lambda n: "1 € " * (n // 4),
}
# Block structure: paragraphs under a thousand quote levels each (flattened, with a warning).
NESTED: dict[str, Callable[[int], str]] = {
    "nested quotes": lambda n: ("> " * 1000 + "Le fond du puits.\n\n") * (n // 2019 + 1),
}
