"""The bench's measures besides time: memory, agreement of outputs, flatness of time per token."""

from __future__ import annotations

import resource


def peak_mb() -> float:
    """This process's peak resident memory, in MB (each variant runs in its own process)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def agreement(reference: list[list[int]], other: list[list[int]]) -> dict[str, float]:
    """Share of sentences, and of tokens, equal to the reference (on their common length)."""
    same_seq = same_tok = total_tok = 0
    for a, b in zip(reference, other, strict=True):
        n = min(len(a), len(b))
        same_seq += a[:n] == b[:n]
        same_tok += sum(x == y for x, y in zip(a[:n], b[:n], strict=True))
        total_tok += n
    return {"sentences": same_seq / max(1, len(reference)), "tokens": same_tok / max(1, total_tok)}


def spread(per_1k: dict[str, float]) -> dict[str, float]:
    """How flat time per token is over article lengths (keys: tokens).

    ``spread``: slowest over fastest, minus 1; ``worst_vs_shortest``: slowest over the
    shortest article, minus 1, which says whether longer articles cost more per token.
    """
    shortest = per_1k[min(per_1k, key=int)]
    return {
        "spread": max(per_1k.values()) / min(per_1k.values()) - 1,
        "worst_vs_shortest": max(per_1k.values()) / shortest - 1,
    }
