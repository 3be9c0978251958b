"""Model loading: tiny models in HF format, load once per process, clear errors."""

from __future__ import annotations

import pytest

from models import loading, tiny
from models.loading import GenerationSettings
from pipeline.errors import ModelUnavailable


def test_tiny_models_are_real_architectures() -> None:
    marian = loading.load("tiny:marian", device="cpu")
    bart = loading.load("tiny:bart", device="cpu")
    assert type(marian.model).__name__ == "MarianMTModel"
    assert type(marian.tokenizer).__name__ == "MarianTokenizer"
    assert type(bart.model).__name__ == "BartForConditionalGeneration"
    assert (marian.window, bart.window) == (128, 128)
    assert marian.dtype == "float32"


def test_loaded_once_per_process() -> None:
    assert loading.load("tiny:marian", device="cpu") is loading.load("tiny:marian", device="cpu")


def test_tokenizer_round_trip_and_generate() -> None:
    marian = loading.load("tiny:marian", device="cpu")
    ids = marian.tokenizer("Le Pentagone a choisi Microsoft.")["input_ids"]
    assert ids[-1] == marian.tokenizer.eos_token_id
    assert marian.tokenizer.unk_token_id not in ids  # the tokenizer was trained on French news text
    out = marian.generate(
        ["Un contrat.", "Amazon conteste la décision."], GenerationSettings(max_new_tokens=6, min_new_tokens=6)
    )
    assert len(out) == 2 and all(out)
    assert marian.split_tokens("Le Pentagone a choisi Microsoft pour le cloud.", 5) != []


def test_generation_is_deterministic() -> None:
    bart = loading.load("tiny:bart", device="cpu")
    settings = GenerationSettings(max_new_tokens=8, min_new_tokens=8, num_beams=2)
    assert bart.generate(["The contract is worth ten billion dollars."], settings) == bart.generate(
        ["The contract is worth ten billion dollars."], settings
    )


def test_build_is_cached() -> None:
    assert tiny.ensure("marian") == tiny.ensure("marian")
    with pytest.raises(ValueError, match="unknown tiny model"):
        tiny.ensure("gpt")


ERRORS = [
    ("tiny:gpt", "unknown tiny model 'tiny:gpt'"),
    ("./missing/model", "model directory './missing/model' not found"),
    ("someone/no-such-model-xyz", "not in the local Hugging Face cache and the Hub can't be reached"),
]


@pytest.mark.parametrize(("name", "message"), ERRORS)
def test_unavailable_models_name_the_fix(name: str, message: str) -> None:
    with pytest.raises(ModelUnavailable) as err:
        loading.load(name, device="cpu")
    assert message in str(err.value)


def test_directory_without_config(tmp_path) -> None:
    with pytest.raises(ModelUnavailable, match="not a Hugging Face model"):
        loading.load(str(tmp_path), device="cpu")


def test_pull_local_and_offline(tmp_path) -> None:
    assert loading.pull("tiny:bart") == str(tiny.ensure("bart"))
    with pytest.raises(ModelUnavailable, match="Hub can't be reached"):
        loading.pull("Helsinki-NLP/opus-mt-fr-en")
