"""Config validation: defaults, files, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import config
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_default_yaml_equals_builtin_defaults() -> None:
    assert config.load(ROOT / "configs" / "default.yaml").to_dict() == config.load().to_dict()


@pytest.mark.parametrize("name", ["default", "tiny", "quality", "pegasus", "exact"])
def test_shipped_configs_are_valid(name: str) -> None:
    config.load(ROOT / "configs" / f"{name}.yaml")


def test_defaults() -> None:
    cfg = config.load().to_dict()
    assert cfg["translate"]["name"] == "marian"
    assert cfg["translate"]["model"] == "Helsinki-NLP/opus-mt-fr-en"
    assert cfg["summarize"]["model"] == "sshleifer/distilbart-cnn-12-6"
    assert cfg["summarize"]["min_new_tokens"] == 56
    assert cfg["summarize"]["max_new_tokens"] == 142
    assert cfg["runtime"] == {"device": "auto", "dtype": "auto", "threads": None}
    assert cfg["pipeline"] == ["segment", "translate", "consistency", "summarize", "support"]


OVERRIDES = [
    ("translate.num_beams=2", ("translate", "num_beams"), 2),
    ("segment.language_check=off", ("segment", "language_check"), "off"),  # YAML's off is false
    ("segment.language_check=warn", ("segment", "language_check"), "warn"),
    ("translate.guard.enabled=false", ("translate", "guard", "enabled"), False),
    ("translate.length_penalty=0.5", ("translate", "length_penalty"), 0.5),
    ("summarize.name=lead", ("summarize", "name"), "lead"),
    ("summarize.k=5", ("summarize", "k"), 5),
    ("translate.revision=null", ("translate", "revision"), None),
    ("segment.abbreviations=[col, gal]", ("segment", "abbreviations"), ["col", "gal"]),
]


@pytest.mark.parametrize(("override", "path", "value"), OVERRIDES)
def test_overrides(override: str, path: tuple[str, ...], value: object) -> None:
    extra = ["summarize.name=lead"] if path[0] == "summarize" and path[-1] == "k" else []
    node = config.load(overrides=[*extra, override]).to_dict()
    for key in path:
        node = node[key]
    assert node == value


ERRORS = [
    (["translate.num_beams=0"], "translate.num_beams: Input should be greater than or equal to 1 (got 0)"),
    (["translate.num_beams=many"], "translate.num_beams: Input should be a valid integer"),
    # Strict types: a boolean or a quoted number is not silently coerced.
    (["translate.num_beams=true"], "translate.num_beams: Input should be a valid integer (got True)"),
    (["translate.num_beams='4'"], "translate.num_beams: Input should be a valid integer (got '4')"),
    (["translate.guard.enabled=1"], "translate.guard.enabled: Input should be a valid boolean (got 1)"),
    (["translate.revision=2024"], "translate.revision: Input should be a valid string (got 2024)"),
    (["segment.language_check=never"], "segment.language_check: Input should be 'refuse', 'warn' or 'off'"),
    (["translate.beams=2"], "translate.beams: unknown key; valid keys: name, backend, batch_tokens"),
    (["translate.guard.foo=1"], "translate.guard.foo: unknown key; valid keys: enabled, max_length_ratio"),
    (["runtime.device=gpu"], "runtime.device: Input should be 'auto', 'cpu' or 'cuda' (got 'gpu')"),
    (["summarize.name=magic"], "summarize.name: unknown stage 'magic'; valid choices: centroid, lead, seq2seq"),
    (["summarize.k=3"], "summarize.k: unknown key"),
    (["summarize.min_new_tokens=200"], "min_new_tokens (200) exceeds max_new_tokens (142)"),
    (
        ["colour=blue"],
        "unknown config section(s) colour; valid sections: pipeline, segment, translate, consistency, summarize, "
        "support, runtime",
    ),
    (["runtime.seed=1"], "runtime.seed: unknown key; valid keys: device, dtype, threads"),
    (["translate.fixed_decode_length=true"], "translate.fixed_decode_length: unknown key"),
    (
        ["translate.backend=onnx"],
        "translate.backend: Value error, unknown backend 'onnx'; valid choices: auto, ctranslate2",
    ),
    (["pipeline=[segment, translate]", "summarize.k=3"], "summarize.k: unknown key"),
    (["pipeline=[segment, segment]"], "pipeline: each stage kind may appear once"),
    (["pipeline=segment"], "pipeline: expected a list of stage kinds"),
    (["pipeline=[segment, colour]"], "unknown stage kind 'colour': no module pipeline/colour.py registers stages"),
    (["translate.num_beams"], "expected KEY=VALUE"),
    (["translate..x=1"], "expected KEY=VALUE"),
    (["translate.model.x=1"], "translate.model: Input should be a valid string"),
    (["translate.num_beams=2", "translate.num_beams.x=1"], "'num_beams' is not a section"),
    # Bounds: a typo is refused with the valid range, not accepted to fail on every article.
    (
        ["translate.num_beams=100000000000000000000000000000000000"],
        "translate.num_beams: Input should be less than or equal to 64",
    ),
    (["summarize.num_beams=65"], "summarize.num_beams: Input should be less than or equal to 64 (got 65)"),
    (
        ["translate.max_new_tokens_ratio=.inf"],
        "translate.max_new_tokens_ratio: Input should be a finite number (got inf)",
    ),
    (["translate.length_penalty=.nan"], "translate.length_penalty: Input should be a finite number"),
    (["runtime.threads=1000000"], "runtime.threads: Input should be less than or equal to 1024 (got 1000000)"),
    (["summarize.max_new_tokens=100000"], "summarize.max_new_tokens: Input should be less than or equal to 65536"),
    # A YAML date is a string to validation, which names the key.
    (["runtime.threads=2024-01-01"], "runtime.threads: Input should be a valid integer (got '2024-01-01')"),
    (["translate.revision=2024-01-01"], None),
    # Stages in an order where one reads what none before it made.
    (["pipeline=[translate]"], "pipeline: [translate]: translate (marian) needs segments, which no stage before it"),
    (["pipeline=[summarize, segment]"], "pipeline: [summarize, segment]: summarize (seq2seq) needs translations"),
    (["pipeline=[segment, translate, support]"], "support (tfidf) needs summary, which no stage before it makes"),
    (["pipeline=[translate, segment]"], "translate (marian) needs segments"),
]


@pytest.mark.parametrize(("overrides", "message"), ERRORS)
def test_errors_name_the_key(overrides: list[str], message: str | None) -> None:
    if message is None:  # accepted: the row shows what is not an error
        config.load(overrides=overrides)
        return
    with pytest.raises(ConfigError) as err:
        config.load(overrides=overrides)
    assert message in str(err.value)


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
FILE_ERRORS = [
    # A billion laughs: refused from its expanded size, in milliseconds, before any copy is made.
    (LAUGHS, "more than 100000 values once its aliases are expanded"),
    ("translate: &x\n  guard: *x\n", "an alias refers to a value that contains it (a recursive alias)"),
    ("runtime: &x [*x]\n", "a recursive alias"),
    ("runtime:\n  threads: 2020-01-01\n", "runtime.threads: Input should be a valid integer (got '2020-01-01')"),
    ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 40)), "nested deeper than 32 levels"),
    ("runtime: {threads: 2\n", "is not valid YAML"),
    ("x" * 1_000_001, "is over 1000000 bytes"),
    ("- 1\n", "must hold a mapping, got list"),
]


@pytest.mark.parametrize(("text", "message"), FILE_ERRORS, ids=range(len(FILE_ERRORS)))
def test_config_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert message in str(err.value)


def test_a_config_that_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a regular file"):
        config.load(tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        config.load(tmp_path / "missing.yaml")


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        config.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("translate: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        config.load(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        config.load(listy)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert config.load(empty).to_dict() == config.load().to_dict()


PIPELINES = [
    ([], ("segment", "translate", "consistency", "summarize", "support")),
    (["pipeline=[segment]"], ("segment",)),
    (["pipeline=[segment, translate]"], ("segment", "translate")),
    (["pipeline=[segment, translate, summarize, consistency]"], ("segment", "translate", "summarize", "consistency")),
]


@pytest.mark.parametrize(("overrides", "kinds"), PIPELINES)
def test_pipeline_order_comes_from_config(overrides: list[str], kinds: tuple[str, ...]) -> None:
    cfg = config.load(overrides=overrides)
    assert cfg.pipeline == kinds
    assert list(cfg.to_dict()) == ["pipeline", *kinds, "runtime"]


SPEED_ONLY = [
    ("translate", {"batch_tokens", "max_batch_size"}),
    ("summarize", {"batch_size"}),
    ("segment", set()),
]


@pytest.mark.parametrize(("kind", "speed"), SPEED_ONLY)
def test_speed_only_fields_are_left_out_of_output_values(kind: str, speed: set[str]) -> None:
    _, section = config.load().stage(kind)
    assert set(section.model_dump()) - set(section.output_values()) == speed
    assert set(config.load().runtime.output_values()) == {"dtype"}
