"""Shared fixtures: a tiny-model cache for the session, a fake seq2seq model, a translation cache in a dict."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.backends import GenerationSettings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "jedi-cloud.fr.md"


@pytest.fixture(scope="session", autouse=True)
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the tiny models into the cache once per session (CI sets PRECIS_CACHE)."""
    if not os.environ.get("PRECIS_CACHE"):
        os.environ["PRECIS_CACHE"] = str(tmp_path_factory.mktemp("precis-cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    return Path(os.environ["PRECIS_CACHE"])


class FakeModel:
    """A stand-in for models.backends.Seq2Seq: one token per word plus one special token.

    ``generate`` applies ``fn`` to each input and records every batch it was given, so
    tests can check batching and order without a neural network.
    """

    backend = "fake"
    dtype = "float32"
    quantization = "none"
    device = "cpu"
    scores = False  # no confidence scores (tests/test_confidence.py scores with the tiny models)
    decode_scores = False

    def __init__(self, fn=lambda text: text.upper(), window: int = 32) -> None:
        self.fn = fn
        self.window = window
        self.batches: list[tuple[list[str], GenerationSettings]] = []
        self.name, self.revision = "fake", None

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def generate(self, texts: list[str], settings: GenerationSettings) -> list[str]:
        for t in texts:
            if self.count_tokens([t])[0] > self.window:
                raise AssertionError(f"input longer than the window: {t!r}")
        self.batches.append((list(texts), settings))
        return [self.fn(t) for t in texts]

    def generate_many(self, batches: list[list[str]], settings: list[GenerationSettings]):
        for texts, s in zip(batches, settings, strict=True):
            yield self.generate(texts, s)

    def batch_limits(self) -> tuple[int, int]:
        return 4096, 64

    def info(self) -> dict:
        return {
            "name": self.name,
            "revision": None,
            "dtype": "float32",
            "backend": "fake",
            "quantization": "none",
            "device": "cpu",
        }


@pytest.fixture
def fake_model() -> FakeModel:
    return FakeModel()


class DictCache:
    """A TranslationCache in a dict, counting hits and misses as the batch cache does."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}
        self.hits = self.misses = 0

    def lookup(self, namespace: str, sources: list[str]) -> dict[str, str]:
        found = {s: self.data[(namespace, s)] for s in sources if (namespace, s) in self.data}
        self.hits += sum(s in found for s in sources)
        self.misses += sum(s not in found for s in sources)
        return found

    def store(self, namespace: str, pairs: list[tuple[str, str]]) -> None:
        self.data.update({(namespace, s): t for s, t in pairs})


@pytest.fixture
def dict_cache() -> DictCache:
    return DictCache()


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")
