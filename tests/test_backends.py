"""The backend registry: names known without imports, a clear error, a backend added from outside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models import backends, loading
from models.backends import GenerationSettings, LoadSpec, ModelSource
from models.backends.base import Seq2SeqBase
from pipeline.errors import ModelUnavailable

ROOT = Path(__file__).resolve().parent.parent


@backends.register("echo")
class Echo(Seq2SeqBase):
    """A backend without a network: each text's words in reverse order, as token ids."""

    libraries = ()
    default_quantization = "none"

    @classmethod
    def load(cls, spec: LoadSpec, source: ModelSource) -> Echo:
        return cls(spec, source, "float32")

    def generate_ids(self, texts: list[str], settings: GenerationSettings) -> list[list[int]]:
        if not texts:
            return []
        self._check_window(self.count_tokens(texts))
        reversed_words = [" ".join(reversed(t.split())) for t in texts]
        ids = self.tokenizer(reversed_words, add_special_tokens=False, truncation=False)["input_ids"]
        return [row[: settings.max_new_tokens] for row in ids]


@pytest.fixture(scope="module", autouse=True)
def _unregister_echo_after_this_file():
    """The registry is process-wide: other test files must see only the built-in backends."""
    yield
    backends._REGISTRY.pop("echo", None)


NAMES = [
    # the built-in backends are named without importing them; "echo" is this file's
    (backends.names, ["ctranslate2", "echo", "transformers"]),
    (lambda: [backends.get(n).name for n in backends.names()], ["ctranslate2", "echo", "transformers"]),
    (lambda: [backends.get(n).libraries for n in backends.names()], [("ctranslate2",), (), ("torch",)]),
    (lambda: [backends.get(n).default_quantization for n in backends.names()], ["int8", "none", "none"]),
]


@pytest.mark.parametrize(("call", "expected"), NAMES, ids=["names", "name", "libraries", "default_quantization"])
def test_names(call, expected) -> None:
    assert call() == expected


UNKNOWN = [
    (lambda: backends.get("onnx"), "[E300] unknown backend 'onnx'; valid: ctranslate2, echo, transformers"),
    (lambda: backends.get(""), "[E300] unknown backend ''; valid: ctranslate2, echo, transformers"),
    (
        lambda: loading.load("tiny:marian", device="cpu", backend="onnx"),
        "[E300] unknown backend 'onnx'; valid: auto, ctranslate2, echo, transformers",
    ),
    (
        lambda: loading.resolve_backend("onnx", "auto", "cpu"),
        "[E300] unknown backend 'onnx'; valid: ctranslate2, echo, transformers",
    ),
]


@pytest.mark.parametrize(("call", "message"), UNKNOWN, ids=["get", "get-empty", "load", "resolve_backend"])
def test_unknown_backend_lists_the_valid_ones(call, message: str) -> None:
    with pytest.raises(ModelUnavailable) as err:
        call()
    assert str(err.value) == message


def test_a_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="backend 'echo' is already registered"):

        @backends.register("echo")
        class Other(Echo):
            pass

    assert backends.get("echo") is Echo


IMPORT_LIGHT = """
import sys
import models.backends
assert "torch" not in sys.modules and "ctranslate2" not in sys.modules, "importing models.backends"
from models import backends, loading
assert backends.names() == ["ctranslate2", "transformers"]
assert loading.resolve_backend("auto", "auto", "cpu") == ("ctranslate2", "int8")
assert loading.resolve_backend("auto", "auto", "cuda") == ("transformers", "none")
assert [backends.get(n).libraries for n in backends.names()] == [("ctranslate2",), ("torch",)]
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "ctranslate2", "transformers"))
assert not heavy, heavy
"""


def test_naming_and_resolving_backends_imports_no_torch() -> None:
    """Config validation and signatures name backends: that must not import torch or ctranslate2."""
    done = subprocess.run([sys.executable, "-c", IMPORT_LIGHT], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_registered_backend_loads_through_loading() -> None:
    model = loading.load("tiny:marian", device="cpu", backend="echo")
    assert isinstance(model, Echo) and loading.load("tiny:marian", device="cpu", backend="echo") is model
    assert (model.name, model.backend, model.quantization, model.dtype) == ("tiny:marian", "echo", "none", "float32")
    assert model.generate(["Le chat dort.", ""], GenerationSettings(max_new_tokens=16)) == ["dort. chat Le", ""]
    many = model.generate_many([["Il fait beau."], []], [GenerationSettings(max_new_tokens=16)] * 2)
    assert list(many) == [["beau. fait Il"], []]


# The whole pipeline through the registered backend. It runs against the runner and
# config being rewritten (Pipeline(config), .run(docs), .models()).
def test_the_pipeline_runs_on_a_registered_backend() -> None:
    from pipeline import config
    from pipeline.document import Document
    from pipeline.runner import Pipeline

    cfg = config.load(ROOT / "configs" / "tiny.yaml", ["translate.backend=echo", "summarize.backend=echo"])
    pipeline = Pipeline(cfg)
    [doc] = pipeline.run([Document("a", "Le chat dort. Il fait beau.")])
    assert [(s.source, s.translation) for s in doc.segments] == [
        ("Le chat dort.", "dort. chat Le"),
        ("Il fait beau.", "beau. fait Il"),
    ]
    assert [(m["stage"], m["name"], m["backend"]) for m in pipeline.models()] == [
        ("translate", "tiny:marian", "echo"),
        ("summarize", "tiny:bart", "echo"),
    ]
    assert doc.summary == "Il fait beau. Le chat dort."  # the translation's words reversed back
