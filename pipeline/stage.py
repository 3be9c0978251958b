"""The stage contract: what every stage is, takes and returns.

A stage is a plain class registered by name (``pipeline.registry.register``) and chosen
in config. It is built once with its config section, its loaded model when it needs
one, and a ``StageContext`` holding whatever it needs from outside (a progress callback,
a translation cache); nothing is set on it afterwards. ``pipe(docs)`` yields one new
``Document`` per input document, in order (spaCy's ``Doc -> Doc`` components, batched);
``__call__(doc)`` runs it on one document.

Stages that work one document at a time implement ``process``; stages that batch work
across documents (the translator sorts all their sentences by length) override ``pipe``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import field_validator

from pipeline.config import Strict
from pipeline.document import Document

if TYPE_CHECKING:
    from models.backends import Seq2Seq


class TranslationCache(Protocol):
    """Where translations of normalized sentences are kept between runs (batch jobs)."""

    def lookup(self, namespace: str, sources: list[str]) -> dict[str, str]:
        """The cached translations of those ``sources`` that are known under ``namespace``."""
        ...

    def store(self, namespace: str, pairs: list[tuple[str, str]]) -> None:
        """Remember (source, translation) pairs under ``namespace``."""
        ...


@dataclass(frozen=True)
class StageContext:
    """What a stage may need from outside, given when it is built.

    Attributes:
        progress: called as ``progress(done, total)`` while a long stage advances.
        cache: a sentence translation cache (batch jobs); the translator uses it.
        namespace: the translation cache's namespace: the translate stage's part of the
            output signature (``pipeline.signature``), so cached translations are reused
            exactly when the translation would be the same.
    """

    progress: Callable[[int, int], None] | None = None
    cache: TranslationCache | None = None
    namespace: str = ""


class Stage:
    """Base of every stage. Subclasses set ``Config`` and implement ``process`` or ``pipe``.

    ``kind`` and ``name`` are set by ``registry.register``.
    """

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""
    Config: ClassVar[type[Strict]] = Strict
    needs_model: ClassVar[bool] = False
    # What a stage reads from the document and what it adds ("segments", "translations",
    # "summary", ...): a config whose pipeline runs a stage before what it requires is
    # refused when it is loaded (``pipeline.config``), instead of giving empty outputs.
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: Any, *, context: StageContext | None = None) -> None:
        self.config = config
        self.context = context or StageContext()

    def admit(self, doc: Document) -> None:
        """Refuse, before any model is loaded, a document this stage would refuse outright.

        Batch workers call it on the model-free stages ahead of the first model stage, so
        a rerun whose only articles left are refused ones loads no model.

        Raises:
            PrecisError: the document is refused (the segmenter: not French, E210).
        """

    def process(self, doc: Document) -> Document:
        """One document in, one new document out (stages that don't batch across documents)."""
        raise NotImplementedError(f"{type(self).__name__} implements neither process() nor pipe()")

    def pipe(self, docs: Iterable[Document]) -> Iterator[Document]:
        """One new document per input document, in order."""
        for doc in docs:
            yield self.process(doc)

    def __call__(self, doc: Document) -> Document:
        return next(iter(self.pipe([doc])))


class ModelStageConfig(Strict):
    """The settings every model-backed stage has: which model, and how it runs."""

    model: str  # Hub id, local HF-format folder, or tiny:<kind>
    revision: str | None = None  # Hub branch, tag or commit; None: main
    # auto: CTranslate2 int8 on CPU, transformers on CUDA (models.loading.resolve_backend);
    # else a registered backend (models.backends)
    backend: str = "auto"
    quantization: Literal["auto", "none", "int8"] = "auto"  # int8: dynamic (transformers, CPU) or CTranslate2 int8

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from models import backends

        valid = ["auto", *backends.names()]
        if value not in valid:
            raise ValueError(f"unknown backend {value!r}; valid choices: {', '.join(valid)}")
        return value


class ModelStage(Stage):
    """A stage that runs a seq2seq model, loaded by ``models.loading`` and passed in."""

    needs_model: ClassVar[bool] = True

    def __init__(self, config: Any, model: Seq2Seq, *, context: StageContext | None = None) -> None:
        super().__init__(config, context=context)
        self.model = model
