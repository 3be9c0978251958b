"""Which language an article is in (py3langid, whose model ships inside its package).

The segment stage refuses (or warns about) an article that is confidently in another
language than French, for ``precis summarize`` and batch jobs alike. Detection looks at
the article's opening; another language must reach ``MIN_CONFIDENCE``, so short text
the detector is unsure of, or French with English quotes, passes.
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import UnsupportedLanguage

# Language detection looks at the opening of an article: enough to be sure, and fast.
DETECT_CHARS = 10_000
MIN_CONFIDENCE = 0.8

_IDENTIFIER: Any = None


def detect(text: str) -> tuple[str, float]:
    """The most likely language of ``text`` (ISO 639-1) and its probability (97 languages)."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    lang, prob = _IDENTIFIER.classify(text[:DETECT_CHARS])
    return str(lang), float(prob)


def check(text: str, expected: str, source: str = "") -> None:
    """Raise UnsupportedLanguage when ``text`` is confidently in another language than ``expected``.

    Raises:
        UnsupportedLanguage: the message names the detected language and its probability.
    """
    lang, prob = detect(text)
    if lang != expected and prob >= MIN_CONFIDENCE:
        raise UnsupportedLanguage(
            (f"{source}: " if source else "")
            + f"the text looks like {lang!r} (probability {prob:.2f}), not {expected!r}; precis "
            f"translates {expected!r} articles (--set segment.language_check=warn or off to go on anyway)"
        )
