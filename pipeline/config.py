"""Configs: YAML files validated into typed, strict sections.

A config lists its stage kinds in order (``pipeline: [segment, translate, summarize]``,
as spaCy's pipeline does) and has one section per kind, naming a registered stage and
the settings of that stage's own ``Config`` model, plus a ``runtime`` section. Unknown
keys and bad values raise ConfigError naming the key, the value and the valid choices
(nanoGPT's rule: an unknown key fails loudly).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline import registry
from pipeline.errors import ConfigError

# Upper bounds of generation settings: far above any useful value, low enough that a typo
# (num_beams: 1e35) is an error at load time, not a failure on every article.
MAX_BEAMS = 64
MAX_TOKENS = 65_536

# The stage kinds a config runs when it doesn't list them.
DEFAULT_PIPELINE = ("segment", "translate", "consistency", "summarize", "support")


def speed_only(default: Any = None, **constraints: Any) -> Any:
    """A config field that changes how fast a result comes, never the result.

    Such fields (threads, batch limits) are left out of the output signature
    (``pipeline.signature``), so changing them redoes no batch result and keeps the
    translation cache.
    """
    return Field(default=default, json_schema_extra={"speed_only": True}, **constraints)


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable, and
    types are strict (``num_beams: true`` or ``num_beams: "4"`` is an error, not 1 or 4;
    an integer is accepted where a float is expected)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    def output_values(self) -> dict[str, Any]:
        """The fields that may change an output, as plain data (nested sections too)."""
        out: dict[str, Any] = {}
        for name, info in type(self).model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("speed_only"):
                continue
            value = getattr(self, name)
            out[name] = value.output_values() if isinstance(value, Strict) else _plain(value)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value))


class RuntimeConfig(Strict):
    # The device decides what backend "auto" stands for, which the signature records; the
    # device itself is left out of it. Threads change speed only.
    device: Literal["auto", "cpu", "cuda"] = speed_only("auto")  # auto: CUDA when present, else CPU
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"  # auto: fp32 on CPU, fp16 on CUDA
    # torch intra-op and CTranslate2 threads; None: torch's default, all CPUs for CTranslate2
    threads: int | None = speed_only(None, ge=1, le=1024)


@dataclass(frozen=True)
class Config:
    """A validated config: the stage kinds in order, per kind (name, settings), and the runtime."""

    runtime: RuntimeConfig
    stages: dict[str, tuple[str, Strict]]

    @property
    def pipeline(self) -> tuple[str, ...]:
        """The stage kinds, in the order documents go through them."""
        return tuple(self.stages)

    def stage(self, kind: str) -> tuple[str, Strict]:
        return self.stages[kind]

    def to_dict(self) -> dict[str, Any]:
        """The resolved config, every default filled in, as plain data."""
        out: dict[str, Any] = {"pipeline": list(self.pipeline)}
        for kind, (name, section) in self.stages.items():
            out[kind] = {"name": name, **section.model_dump(mode="json")}
        out["runtime"] = self.runtime.model_dump(mode="json")
        return out


def _valid_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed beside the unknown key at ``loc`` (nested sections included)."""
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return []
        model = field.annotation
    return sorted(model.model_fields)


def _format_validation(prefix: str, err: ValidationError, model: type[BaseModel]) -> str:
    lines = []
    for e in err.errors():
        key = ".".join([prefix, *(str(p) for p in e["loc"])])
        if e["type"] == "extra_forbidden":
            valid = _valid_keys(model, e["loc"])
            if prefix != "runtime" and len(e["loc"]) == 1:
                valid = ["name", *valid]
            lines.append(f"{key}: unknown key; valid keys: {', '.join(valid)}")
        else:
            lines.append(f"{key}: {e['msg']} (got {e.get('input')!r})")
    return "; ".join(lines)


# Limits on what a config may hold, so a hostile file (a "billion laughs" of nested
# aliases, a huge file) is refused in milliseconds instead of eating memory.
MAX_CONFIG_BYTES = 1_000_000
MAX_CONFIG_NODES = 100_000  # values after aliases are expanded
MAX_CONFIG_DEPTH = 32


class _Loader(yaml.SafeLoader):
    """YAML's safe loader without implicit timestamps: ``2024-01-01`` stays a string.

    A date is no valid value for any config field; as a string it reaches validation,
    which names the key, instead of being a ``datetime.date`` nothing can serialize.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(text: str, where: str) -> Any:
    """Parse config YAML and check its expanded size, depth and that no alias refers to itself.

    Raises:
        ConfigError: not valid YAML, or over the limits (naming ``where``).
    """
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} is not valid YAML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested more than YAML can read") from None
    nodes = 0
    stack: list[tuple[Any, int, frozenset[int]]] = [(data, 0, frozenset())]
    while stack:
        value, depth, parents = stack.pop()
        nodes += 1
        if nodes > MAX_CONFIG_NODES:
            raise ConfigError(f"{where}: more than {MAX_CONFIG_NODES} values once its aliases are expanded")
        if depth > MAX_CONFIG_DEPTH:
            raise ConfigError(f"{where}: nested deeper than {MAX_CONFIG_DEPTH} levels")
        if isinstance(value, (dict, list)):
            if id(value) in parents:
                raise ConfigError(f"{where}: an alias refers to a value that contains it (a recursive alias)")
            children = list(value.keys()) + list(value.values()) if isinstance(value, dict) else value
            inner = parents | {id(value)}
            stack.extend((child, depth + 1, inner) for child in children)
    return data


def _set_dotted(data: dict[str, Any], override: str) -> None:
    key, sep, raw = override.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {override!r}: expected KEY=VALUE with a dotted key, e.g. translate.num_beams=2")
    value = _yaml(raw, f"--set {override!r}: the value") if raw.strip() else ""
    *parents, leaf = key.split(".")
    node = data
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {override!r}: {part!r} is not a section")
        node = child
    node[leaf] = value


def read_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    where = f"config file {str(path)!r}"
    if not path.exists():
        raise ConfigError(f"{where} not found")
    if not path.is_file():
        raise ConfigError(f"{where} is not a regular file")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{where} can't be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{where} is over {MAX_CONFIG_BYTES} bytes; a config is a few lines of YAML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where} is not UTF-8: {exc}") from None
    data = _yaml(text, where)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold a mapping, got {type(data).__name__}")
    return data


def resolve(data: dict[str, Any], overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Validate raw config data (plus ``key=value`` overrides) into a Config.

    Raises:
        ConfigError: unknown section or key, bad value, or unknown stage name.
    """
    try:
        data = json.loads(json.dumps(data))  # deep copy; also rejects non-JSON values early
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"a config value is not plain data (text, numbers, lists, mappings): {exc}") from None
    for override in overrides:
        _set_dotted(data, override)
    kinds = _pipeline(data.get("pipeline", list(DEFAULT_PIPELINE)))
    unknown = []
    for key in sorted(set(data) - set(kinds) - {"runtime", "pipeline"}):
        try:
            registry.names(key)
        except ConfigError:
            unknown.append(key)
            continue
        _section(key, data[key])  # a stage kind left out of the pipeline: still checked, then unused
    if unknown:
        valid = ", ".join(["pipeline", *kinds, "runtime"])
        raise ConfigError(f"unknown config section(s) {', '.join(unknown)}; valid sections: {valid}")
    stages = {kind: _section(kind, data.get(kind)) for kind in kinds}
    _check_order(stages)
    runtime = data.get("runtime") or {}
    try:
        runtime_config = RuntimeConfig.model_validate(runtime)
    except ValidationError as exc:
        raise ConfigError(_format_validation("runtime", exc, RuntimeConfig)) from None
    return Config(runtime=runtime_config, stages=stages)


def _check_order(stages: dict[str, tuple[str, Strict]]) -> None:
    """Each stage runs after stages that assign what it requires (``Stage.requires``/``assigns``).

    Raises:
        ConfigError: a stage would read what no stage before it made (``pipeline=[translate]``
            would translate no sentences and output empty text).
    """
    made: set[str] = set()
    for kind, (name, _) in stages.items():
        cls = registry.get(kind, name)
        missing = [need for need in cls.requires if need not in made]
        if missing:
            order = ", ".join(stages)
            raise ConfigError(
                f"pipeline: [{order}]: {kind} ({name}) needs {', '.join(missing)}, which no stage before it makes; "
                f"put the stage that makes it first, e.g. {', '.join(DEFAULT_PIPELINE)}"
            )
        made.update(cls.assigns)


def _pipeline(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(k, str) and k for k in value):
        raise ConfigError(
            f"pipeline: expected a list of stage kinds, e.g. [segment, translate, summarize]; got {value!r}"
        )
    if len(set(value)) != len(value):
        raise ConfigError(f"pipeline: each stage kind may appear once; got {value!r}")
    return list(value)


def _section(kind: str, section: Any) -> tuple[str, Strict]:
    """A stage kind's section validated by its stage's own Config model."""
    section = section or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{kind}: expected a mapping, got {section!r}")
    section = dict(section)
    name = str(section.pop("name", None) or registry.default(kind))
    cls = registry.get(kind, name)
    try:
        return name, cls.Config.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(_format_validation(kind, exc, cls.Config)) from None


def load(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load a YAML config file (or the built-in defaults when ``path`` is None)."""
    data = read_yaml(path) if path is not None else {}
    return resolve(data, overrides)
