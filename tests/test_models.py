"""Model loading: tiny models in HF format, load once per process, clear errors."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys

import pytest
import torch

from models import conversion, loading, tiny
from models.backends import GenerationSettings, LoadSpec
from models.backends.base import CPU_BATCH_LIMITS
from pipeline.errors import ModelUnavailable

# The CUDA paths are tested where there is a GPU; every other test loads on the CPU.
CUDA = torch.cuda.is_available()


def test_tiny_models_are_real_architectures() -> None:
    marian = loading.load("tiny:marian", device="cpu", backend="transformers")
    bart = loading.load("tiny:bart", device="cpu", backend="transformers")
    assert type(marian.model).__name__ == "MarianMTModel"
    assert type(marian.tokenizer).__name__ == "MarianTokenizer"
    assert type(bart.model).__name__ == "BartForConditionalGeneration"
    assert (marian.window, bart.window) == (128, 128)
    assert marian.dtype == "float32"


def test_loaded_once_per_process() -> None:
    assert loading.load("tiny:marian", device="cpu") is loading.load("tiny:marian", device="cpu")


def test_tokenizer_round_trip_and_generate() -> None:
    marian = loading.load("tiny:marian", device="cpu", backend="transformers")
    ids = marian.tokenizer("Le Pentagone a choisi Microsoft.")["input_ids"]
    assert ids[-1] == marian.tokenizer.eos_token_id
    assert marian.tokenizer.unk_token_id not in ids  # the tokenizer was trained on French news text
    out = marian.generate(
        ["Un contrat.", "Amazon conteste la décision."], GenerationSettings(max_new_tokens=6, min_new_tokens=6)
    )
    assert len(out) == 2 and all(out)


def test_generation_is_deterministic() -> None:
    bart = loading.load("tiny:bart", device="cpu", backend="transformers")
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
    # The suite runs with HF_HUB_OFFLINE=1 (conftest): the message says so, not "can't be reached".
    ("someone/no-such-model-xyz", "not in the local Hugging Face cache and HF_HUB_OFFLINE is set"),
]


@pytest.mark.parametrize(("name", "message"), ERRORS)
def test_unavailable_models_name_the_fix(name: str, message: str) -> None:
    with pytest.raises(ModelUnavailable) as err:
        loading.load(name, device="cpu")
    assert message in str(err.value)


def test_directory_without_config(tmp_path) -> None:
    with pytest.raises(ModelUnavailable, match="not a Hugging Face model"):
        loading.load(str(tmp_path), device="cpu")


def test_pull_local_and_offline(tmp_path, monkeypatch) -> None:
    assert loading.pull("tiny:bart") == str(tiny.ensure("bart"))
    with pytest.raises(ModelUnavailable, match="HF_HUB_OFFLINE is set, so the Hub is not asked"):
        loading.pull("Helsinki-NLP/opus-mt-fr-en")
    # Without HF_HUB_OFFLINE, a Hub that doesn't answer (nothing listens on port 9) is named.
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    unreachable = r"the Hugging Face Hub \(127.0.0.1\) can't be reached from this machine"
    with pytest.raises(ModelUnavailable, match=unreachable):
        loading.pull("Helsinki-NLP/opus-mt-fr-en")


SENTENCES = ["Amazon a notifié la Cour fédérale des plaintes.", "Un contrat de 10 milliards.", "Le Pentagone a choisi."]
GREEDY = GenerationSettings(max_new_tokens=10, min_new_tokens=10, num_beams=1)


def test_batched_greedy_equals_per_sentence_fp32() -> None:
    marian = loading.load("tiny:marian", device="cpu", backend="transformers")
    one_by_one = [marian.generate_ids([s], GREEDY)[0] for s in SENTENCES]
    assert marian.generate_ids(SENTENCES, GREEDY) == one_by_one


AUTO = [
    # backend, quantization, device -> resolved
    ("auto", "auto", "cpu", ("ctranslate2", "int8")),
    ("auto", "auto", "cuda", ("transformers", "none")),
    ("auto", "none", "cpu", ("ctranslate2", "none")),
    ("ctranslate2", "auto", "cuda", ("ctranslate2", "int8")),
    ("transformers", "auto", "cpu", ("transformers", "none")),
    ("transformers", "int8", "cpu", ("transformers", "int8")),
]


@pytest.mark.parametrize(("backend", "quantization", "device", "resolved"), AUTO)
def test_auto_backend(backend: str, quantization: str, device: str, resolved: tuple[str, str]) -> None:
    assert loading.resolve_backend(backend, quantization, device) == resolved


def test_default_backend_on_cpu_is_ctranslate2_int8_and_keeps_order() -> None:
    pytest.importorskip("ctranslate2")
    model = loading.load("tiny:marian", device="cpu")
    assert (model.backend, model.dtype) == ("ctranslate2", "int8_float32")  # int8 on the CPU, whatever the machine
    # loaded on the CPU whatever the machine: the CPU's limits, measured there
    assert model.batch_limits() == CPU_BATCH_LIMITS == (768, 16)
    out = model.generate_ids(SENTENCES, GREEDY)
    assert [model.generate_ids([s], GREEDY)[0] for s in SENTENCES] == out


BEAM4 = GenerationSettings(max_new_tokens=10, min_new_tokens=3, num_beams=4)
ENGLISH = ["The Pentagon chose Microsoft.", "Amazon will appeal the decision.", "A ten-year contract."]
FORCED_EOS = {"marian": 0, "bart": 2}  # the tiny models' forced last token (eos)


@pytest.mark.parametrize("kind", ["marian", "bart"])
@pytest.mark.parametrize("settings", [GREEDY, BEAM4], ids=["greedy", "beam4"])
def test_ctranslate2_float32_equals_transformers(kind: str, settings: GenerationSettings) -> None:
    # Both tiny models force </s> as the last token: generate() spends its 10th step on it.
    pytest.importorskip("ctranslate2")
    reference = loading.load(f"tiny:{kind}", device="cpu", backend="transformers")
    ct2 = loading.load(f"tiny:{kind}", device="cpu", backend="ctranslate2", quantization="none")
    assert (ct2.backend, ct2.dtype) == ("ctranslate2", "float32")
    assert (ct2.forced_bos, ct2.forced_eos) == (None, FORCED_EOS[kind])
    texts = SENTENCES if kind == "marian" else ENGLISH
    ours = ct2.generate_ids(texts, settings)
    assert ours == reference.generate_ids(texts, settings)
    assert list(ct2.generate_ids_many([texts[:1], texts[1:]], [settings, settings])) == [ours[:1], ours[1:]]


@pytest.mark.parametrize("settings", [GREEDY, BEAM4], ids=["greedy", "beam4"])
def test_ctranslate2_forces_the_first_token_as_generate_does(tiny_cache, settings: GenerationSettings) -> None:
    # BART CNN models force <s> as the first generated token (forced_bos_token_id);
    # CTranslate2 gets it as a target prefix.
    pytest.importorskip("ctranslate2")
    folder = tiny_cache / "tests" / "bart-forced-bos"
    if not folder.is_dir():
        shutil.copytree(loading.locate("tiny:bart")[0], folder)
        generation = json.loads((folder / "generation_config.json").read_text(encoding="utf-8"))
        generation["forced_bos_token_id"] = 0
        (folder / "generation_config.json").write_text(json.dumps(generation), encoding="utf-8")
    reference = loading.load(str(folder), device="cpu", backend="transformers")
    ct2 = loading.load(str(folder), device="cpu", backend="ctranslate2", quantization="none")
    assert (ct2.forced_bos, ct2.forced_eos) == (0, 2)
    ours = ct2.generate_ids(ENGLISH, settings)
    assert ours == reference.generate_ids(ENGLISH, settings)
    unforced = loading.load("tiny:bart", device="cpu", backend="ctranslate2", quantization="none")
    assert ours != unforced.generate_ids(ENGLISH, settings)  # the forced token changes what follows


def test_int8_backends_decode_in_order() -> None:
    for backend in ("transformers", "ctranslate2"):
        if backend == "ctranslate2":
            pytest.importorskip("ctranslate2")
        model = loading.load("tiny:marian", device="cpu", backend=backend, quantization="int8")
        assert model.dtype in ("int8-dynamic", "int8", "int8_float32")
        out = model.generate_ids(SENTENCES, GREEDY)
        assert len(out) == 3 and all(len(t) >= 9 for t in out)
        if backend == "ctranslate2":
            # Order kept: each sentence decodes the same alone as in the batch. (Not so for
            # torch's dynamic int8: activation scales are per tensor, so per batch.)
            assert [model.generate_ids([s], GREEDY)[0] for s in SENTENCES] == out


def test_converted_model_is_cached() -> None:
    pytest.importorskip("ctranslate2")
    folder = str(tiny.ensure("marian"))
    first = conversion.converted(folder, "tiny:marian", "rev", "int8")
    assert (first / "model.bin").is_file()
    assert conversion.converted(folder, "tiny:marian", "rev", "int8") == first


def test_conversion_is_logged_the_first_time_only(tmp_path, monkeypatch) -> None:
    pytest.importorskip("ctranslate2")
    monkeypatch.setattr(tiny, "cache_root", lambda: tmp_path)
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Collect()
    logging.getLogger("precis.models").addHandler(handler)
    try:
        folder = loading.locate("tiny:marian")[0]
        first = conversion.converted(folder, "tiny:marian", "r1", "int8")
        again = conversion.converted(folder, "tiny:marian", "r1", "int8")
    finally:
        logging.getLogger("precis.models").removeHandler(handler)
    assert first == again == tmp_path / "ctranslate2" / "tiny_marian-r1-int8"
    assert records == [f"converting tiny:marian to CTranslate2 (int8), once; cached in {first}"]


def test_ctranslate2_models_are_loaded_per_thread_count() -> None:
    pytest.importorskip("ctranslate2")
    one = loading.load("tiny:marian", device="cpu", threads=1)
    two = loading.load("tiny:marian", device="cpu", threads=2)
    assert loading.load("tiny:marian", device="cpu", threads=2) is two
    assert one is not two
    assert (one.threads, two.threads) == (1, 2)
    # one thread: no concurrent translator; two: batches run two at a time
    assert (one._make_parallel is None, two._make_parallel is None) == (True, False)


def test_default_threads_are_the_usable_cpus_not_torchs_count() -> None:
    pytest.importorskip("ctranslate2")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)  # no longer read: the threads are passed to load
        model = loading.load("tiny:marian", device="cpu")
    finally:
        torch.set_num_threads(before)
    assert model.threads == len(os.sched_getaffinity(0))
    assert (model._make_parallel is None) == (model.threads == 1)


def test_transformers_runs_with_the_threads_it_was_loaded_with() -> None:
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        model = loading.load("tiny:marian", device="cpu", backend="transformers", threads=2)
        assert torch.get_num_threads() == 1  # loading leaves torch alone; generating sets it
        model.generate_ids(SENTENCES[:1], GREEDY)
        assert torch.get_num_threads() == 2
        default = loading.load("tiny:marian", device="cpu", backend="transformers")
        torch.set_num_threads(1)
        default.generate_ids(SENTENCES[:1], GREEDY)
        assert torch.get_num_threads() == 1  # threads None: torch's own count, untouched
    finally:
        torch.set_num_threads(before)


def test_unknown_backend() -> None:
    with pytest.raises(ModelUnavailable, match="unknown backend 'onnx'"):
        loading.load("tiny:marian", device="cpu", backend="onnx")


def test_building_prints_nothing_on_stdout(tmp_path, capfd) -> None:
    """A first run builds the tiny models; nothing may reach stdout (it carries JSON output)."""
    tiny.build("bart", tmp_path / "bart")
    tiny.build("marian", tmp_path / "marian")
    assert capfd.readouterr().out == ""


def test_ctranslate2_batches_run_concurrently_with_the_same_results() -> None:
    pytest.importorskip("ctranslate2")
    # two threads, whatever torch's count here; a fresh model, not the cached one
    model = loading._load("ctranslate2", LoadSpec("tiny:marian", None, "cpu", "auto", "int8", threads=2))
    batches = [SENTENCES[:2], SENTENCES[2:], [], [SENTENCES[0]]]
    beams = GenerationSettings(max_new_tokens=12, min_new_tokens=12, num_beams=4)
    for settings in (GREEDY, beams):
        one_at_a_time = [model.generate_ids(b, settings) for b in batches]
        assert list(model.generate_ids_many(batches, [settings] * 4)) == one_at_a_time
    assert model._parallel is not None  # the concurrent translator served the calls above
    texts = list(model.generate_many(batches, [GREEDY] * 4))
    assert [len(t) for t in texts] == [2, 1, 0, 1] and texts[3] == texts[0][:1]


COMPUTE_TYPES = [
    # quantization, dtype, device -> what CTranslate2 is asked for
    ("int8", "auto", "cpu", "int8"),
    ("int8", "float32", "cuda", "int8_float16"),
    ("none", "auto", "cpu", "default"),
    ("none", "float32", "cpu", "float32"),
    ("none", "bfloat16", "cuda", "bfloat16"),
    ("none", "float16", "cuda", "float16"),
]


@pytest.mark.parametrize(("quantization", "dtype", "device", "expected"), COMPUTE_TYPES)
def test_ctranslate2_compute_types(quantization: str, dtype: str, device: str, expected: str) -> None:
    from models.backends.ctranslate2 import compute_type

    assert compute_type(quantization, dtype, device) == expected


def test_missing_ctranslate2_package_names_the_fix(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # `import ctranslate2` raises ImportError
    with pytest.raises(ModelUnavailable) as err:
        loading._load("ctranslate2", LoadSpec("tiny:marian", None, "cpu", "auto", "int8"))
    assert str(err.value) == "[E300] backend ctranslate2 needs the ctranslate2 package: pip install ctranslate2"


def test_unknown_quantization() -> None:
    with pytest.raises(ModelUnavailable) as err:
        loading.load("tiny:marian", device="cpu", quantization="int4")
    assert str(err.value) == "[E300] unknown quantization 'int4'; valid: auto, none, int8"


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_cuda_defaults() -> None:
    model = loading.load("tiny:marian")  # auto: transformers in bf16 (fp16 without bf16 support)
    assert (model.backend, model.device, model.quantization) == ("transformers", "cuda", "none")
    assert model.dtype in ("bfloat16", "float16")
    tokens, sentences = model.batch_limits()
    assert 4096 <= tokens <= 65536 and sentences == 512
    assert len(model.generate_ids(SENTENCES, GREEDY)) == 3
    with pytest.raises(ModelUnavailable, match="int8 with the transformers backend is CPU-only"):
        loading.load("tiny:marian", backend="transformers", quantization="int8")


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_ctranslate2_int8_on_cuda_keeps_order() -> None:
    pytest.importorskip("ctranslate2")
    model = loading.load("tiny:marian", backend="ctranslate2")
    assert (model.backend, model.dtype, model.threads, model._make_parallel) == ("ctranslate2", "int8_float16", 1, None)
    out = model.generate_ids(SENTENCES, GREEDY)
    assert [model.generate_ids([s], GREEDY)[0] for s in SENTENCES] == out
