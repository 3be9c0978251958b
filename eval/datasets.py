"""Eval datasets through Hugging Face ``datasets``: local JSONL/CSV/Parquet or Hub ids.

A column mapping names which columns hold the id, the French source, the English
reference summary and (optionally) the English reference translation and a title. The
Hub is reached only when a Hub dataset id is asked for.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import ConfigError, InputError

LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class Columns:
    """Which dataset column holds each field; empty means the dataset has none."""

    id: str = "id"
    source: str = "source_fr"
    summary: str = "reference_summary_en"
    translation: str = "reference_translation_en"
    title: str = "title_fr"

    @classmethod
    def parse(cls, spec: str | None) -> Columns:
        """From ``field=column,...``, e.g. ``source=text,summary=abstract,translation=``."""
        if not spec:
            return cls()
        values = asdict(cls())
        for part in spec.split(","):
            key, sep, column = part.partition("=")
            if not sep or key.strip() not in values:
                raise ConfigError(f"--columns {part!r}: expected FIELD=COLUMN with FIELD one of {', '.join(values)}")
            values[key.strip()] = column.strip()
        return cls(**values)


@dataclass(frozen=True)
class EvalItem:
    id: str
    source: str  # the French article (title prepended as a Markdown heading when there is one)
    summary: str  # English reference summary
    translation: str | None = None  # English reference translation, when the dataset has one


def load(name: str, *, split: str = "train", columns: Columns = Columns()) -> tuple[list[EvalItem], str]:
    """Load an eval set; return its items and a digest of their content.

    Raises:
        InputError: missing file, missing columns, or a dataset that can't be loaded.
    """
    import datasets

    datasets.disable_progress_bars()
    path = Path(name)
    try:
        if path.suffix.lower() in LOCAL_FORMATS:
            if not path.is_file():
                raise InputError(f"dataset file {name!r} not found")
            data = datasets.load_dataset(LOCAL_FORMATS[path.suffix.lower()], data_files=str(path), split=split)
        elif path.exists():
            raise InputError(f"dataset {name!r}: use a .jsonl, .json, .csv or .parquet file, or a Hub dataset id")
        else:
            data = datasets.load_dataset(name, split=split)
    except InputError:
        raise
    except Exception as exc:  # datasets raises many types; each means "can't load this"
        raise InputError(f"dataset {name!r} (split {split!r}) can't be loaded: {str(exc).splitlines()[0]}") from None
    needed = [columns.id, columns.source, columns.summary]
    missing = [c for c in needed if c not in data.column_names]
    if missing:
        raise InputError(
            f"dataset {name!r} has no column(s) {', '.join(missing)}; its columns: {', '.join(data.column_names)} "
            f"(map them with --columns, e.g. source=text,summary=abstract)"
        )
    has_translation = bool(columns.translation) and columns.translation in data.column_names
    has_title = bool(columns.title) and columns.title in data.column_names
    items = []
    for row in data:
        source = str(row[columns.source])
        if has_title and row[columns.title]:
            source = f"# {row[columns.title]}\n\n{source}"
        items.append(
            EvalItem(
                id=str(row[columns.id]),
                source=source,
                summary=str(row[columns.summary]),
                translation=str(row[columns.translation]) if has_translation and row[columns.translation] else None,
            )
        )
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise InputError(f"dataset {name!r}: ids in column {columns.id!r} are not unique")
    return items, digest(items)


def digest(items: list[EvalItem]) -> str:
    """sha256 of the items' content, for the report's signature."""
    blob = json.dumps([asdict(i) for i in items], ensure_ascii=False, sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()[:16]


def digest_texts(texts: list[str]) -> str:
    """sha256 of a list of texts (a reference file), for the report's signature."""
    blob = json.dumps(texts, ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()[:16]
