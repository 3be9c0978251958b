"""Indexes of an English sentence's words, so that a searched key is looked for only where it may be.

``english.English`` answers each searched key (a name, an acronym, an address) with the
places that hold it. Reading the whole sentence again for each key made a check
quadratic in the sentence's length once it held many different keys (8000 codes
"AB1 AB2 ...": 35 s at 40 KB); these indexes are built once per sentence, in one pass,
and a lookup reads only its candidates, which it then checks with the key's own rule.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from itertools import accumulate

from pipeline.facts.base import Span, skeleton, sounds

_ALNUM = re.compile(r"[a-z0-9]+")
_DIGITS = "0123456789"


def _prefixed(ordered: list[str], prefix: str) -> tuple[int, int]:
    """The range of ``ordered`` (sorted words of [a-z0-9]) that start with ``prefix``."""
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first string past every word with the prefix
    return bisect_left(ordered, prefix), bisect_left(ordered, after)


class Words:
    """Where each word (run of [a-z0-9]) of a text starts, and the words by prefix and by suffix."""

    def __init__(self, text: str) -> None:
        self.at: dict[str, list[int]] = {}
        for m in _ALNUM.finditer(text):
            self.at.setdefault(m.group(0), []).append(m.start())
        self.forward = sorted(self.at)
        self.backward = sorted(word[::-1] for word in self.at)
        self.forward_total = [0, *accumulate(len(self.at[w]) for w in self.forward)]
        self.backward_total = [0, *accumulate(len(self.at[w[::-1]]) for w in self.backward)]

    def count(self, run: str, starts_word: bool, ends_word: bool) -> int:
        """How many places hold ``run`` as a whole word, a word's start, or a word's end."""
        if starts_word and ends_word:
            return len(self.at.get(run, ()))
        if starts_word:
            lo, hi = _prefixed(self.forward, run)
            return self.forward_total[hi] - self.forward_total[lo]
        lo, hi = _prefixed(self.backward, run[::-1])
        return self.backward_total[hi] - self.backward_total[lo]

    def places(self, run: str, starts_word: bool, ends_word: bool) -> list[int]:
        """Where ``run`` starts in the text, as ``count`` counts them (not in order)."""
        if starts_word and ends_word:
            return list(self.at.get(run, ()))
        if starts_word:
            lo, hi = _prefixed(self.forward, run)
            return [p for word in self.forward[lo:hi] for p in self.at[word]]
        lo, hi = _prefixed(self.backward, run[::-1])
        return [p + len(drow) - len(run) for drow in self.backward[lo:hi] for p in self.at[drow[::-1]]]

    def find(self, pattern: re.Pattern[str], needle: str, text: str, *, whole: bool) -> list[Span]:
        """``pattern.finditer(text)``'s spans, for a pattern that matches ``needle`` as written.

        A run of [a-z0-9] of ``needle`` after another of its characters starts a word of
        the text where the pattern matches, and one before another ends it; with
        ``whole`` (the pattern is bounded by non-[a-z0-9] characters), each run is a whole
        word. The pattern is tried only where the rarest such run is.

        Args:
            pattern: matches ``needle`` (and maybe variants with the same runs).
            needle: the key as written, to find its runs.
            text: the text ``Words`` was built from.
            whole: whether the pattern is bounded by non-[a-z0-9] characters.
        """
        best: tuple[int, int, str, bool, bool] | None = None  # (count, offset, run, starts, ends)
        for m in _ALNUM.finditer(needle):
            starts, ends = whole or m.start() > 0, whole or m.end() < len(needle)
            if starts or ends:
                count = self.count(m.group(0), starts, ends)
                if best is None or count < best[0]:
                    best = (count, m.start(), m.group(0), starts, ends)
        if best is None:  # no run to look up ("@", "--"): read the whole text
            return [m.span() for m in pattern.finditer(text)]
        _, offset, run, starts, ends = best
        spans, resume = [], 0
        for start in sorted(p - offset for p in self.places(run, starts, ends)):
            if start < resume or start < 0:  # finditer's matches don't overlap
                continue
            m = pattern.match(text, start)
            if m:
                spans.append(m.span())
                resume = max(m.end(), start + 1)
        return spans


class Acronyms:
    """Tokens by what ``english._acronym_spans`` asks of them.

    Args:
        plain: each token folded, without what is not [a-z0-9].
        originals: each token as written.
    """

    def __init__(self, plain: list[str], originals: list[str]) -> None:
        self.exact: dict[str, list[int]] = {}
        self.numbered: dict[str, list[tuple[str, int]]] = {}  # without final digits -> (digits, token)
        self.anagrams: dict[str, list[int]] = {}  # sorted letters of mostly capital tokens
        for k, (token, original) in enumerate(zip(plain, originals, strict=True)):
            self.exact.setdefault(token, []).append(k)
            core = token.rstrip(_DIGITS)
            if core != token:
                self.numbered.setdefault(core, []).append((token[len(core) :], k))
            letters = original[:-1] if original.endswith("s") and original[:-1].isupper() else original
            if letters.isalpha() and sum(c.isupper() for c in letters) > len(letters) / 2:
                self.anagrams.setdefault("".join(sorted(letters.lower())), []).append(k)
        for numbered in self.numbered.values():
            numbered.sort()

    def find(self, plain: str) -> list[int]:
        """The tokens that are ``plain``, ``plain`` and an ``s`` or digits, or its letters in
        another order in capitals (``len(plain) >= 2``), in order."""
        found = set(self.exact.get(plain, ())) | set(self.exact.get(plain + "s", ()))
        core = plain.rstrip(_DIGITS)
        numbered = self.numbered.get(core, [])
        if numbered:
            digits = plain[len(core) :]  # a token's digits start with these and go on
            lo = bisect_left(numbered, (digits, -1))
            hi = bisect_left(numbered, (digits + ":", -1))  # ":" follows "9"
            found.update(k for d, k in numbered[lo:hi] if len(d) > len(digits))
        if len(plain) >= 2:
            found.update(self.anagrams.get("".join(sorted(plain)), ()))
        return sorted(found)


class Names:
    """The different folded tokens of a sentence, by what ``english._similar`` compares.

    Two similar words are equal, equal but for final "s"s, share their first four letters,
    or have a SequenceMatcher ratio of 0.8 at least: then they share their first letter,
    their lengths differ by a factor under 1.5, and they have many letters in common (the
    ratio's upper bound, ``quick_ratio``). ``candidates`` gives the tokens that may pass
    one of these, so ``_similar`` runs on those only, not on every token of the sentence.

    Letters in common: a word of n letters (with repeats: "aab" is a, a, b) that shares t
    of them with a token shares one of any n - t + 1 of them (prefix filtering, Chaudhuri
    et al., 2006, "A Primitive Operator for Similarity Joins"). The token lists of its
    rarest n - t + 1 letters hold every token that may have t in common.

    Args:
        tokens: the folded tokens, in order.
    """

    def __init__(self, tokens: list[str]) -> None:
        self.at: dict[str, list[int]] = {}
        for k, token in enumerate(tokens):
            self.at.setdefault(token, []).append(k)
        self.ordered = sorted(self.at)
        self.unplural: dict[str, list[str]] = {}
        # (first letter, letter, k): the tokens with that first letter and k of that letter or more
        self.holding: dict[tuple[str, str, int], list[str]] = {}
        self.sounding: dict[str, list[str]] = {}  # tokens by their sounds and skeleton (``base.sounds``)
        for token in self.ordered:
            self.unplural.setdefault(token.rstrip("s"), []).append(token)
            if len(token) >= 3 and token.isalpha():
                sound = sounds(token)
                self.sounding.setdefault(sound, []).append(token)
                if len(token) >= 5:
                    self.sounding.setdefault(skeleton(sound), []).append(token)
            for letter, count in Counter(token).items():
                for k in range(1, count + 1):
                    self.holding.setdefault((token[0], letter, k), []).append(token)

    def candidates(self, word: str) -> list[str]:
        """Every token that may be similar to ``word`` (a superset), each once, equal first."""
        found = dict.fromkeys([word] if word in self.at else [])
        if len(word) >= 3:
            found.update(dict.fromkeys(t for t in self.unplural.get(word.rstrip("s"), ()) if len(t) >= 3))
            stem = word[:-1] if word[-1] in "aeiouy" else word  # Puerto Rico / Rican (english._adjective_of)
            if len(stem) >= 3:
                lo, hi = bisect_left(self.ordered, stem), bisect_left(self.ordered, stem[:-1] + chr(ord(stem[-1]) + 1))
                found.update(dict.fromkeys(t for t in self.ordered[lo:hi] if len(t) <= len(stem) + 3))
            if word.isalpha():
                sound = sounds(word)
                found.update(dict.fromkeys(self.sounding.get(sound, ())))
                found.update(dict.fromkeys(self.sounding.get(skeleton(sound), ())))
        if len(word) >= 4:
            lo, hi = bisect_left(self.ordered, word[:4]), bisect_left(self.ordered, word[:3] + chr(ord(word[3]) + 1))
            found.update(dict.fromkeys(self.ordered[lo:hi]))
            found.update(dict.fromkeys(self._near(word)))
        return list(found)

    def _near(self, word: str) -> list[str]:
        """The tokens whose length and letters in common with ``word`` allow a ratio of 0.8."""
        size = len(word)
        # 2 * min(lengths) / (sum of lengths) >= 0.8: the other length is within 2/3 and 3/2 of this one.
        shortest, longest = max(4, -(-2 * size // 3)), 3 * size // 2
        if shortest > longest:
            return []
        need = 0  # letters in common for 2 * need / (size + shortest) >= 0.8, as difflib computes it
        while 2.0 * need / (size + shortest) < 0.8:
            need += 1
        letters = [(word[0], letter, k) for letter, count in Counter(word).items() for k in range(1, count + 1)]
        letters.sort(key=lambda key: len(self.holding.get(key, ())))
        near = dict.fromkeys(
            token
            for key in letters[: size - need + 1]
            for token in self.holding.get(key, ())
            if shortest <= len(token) <= longest
        )
        return list(near)
