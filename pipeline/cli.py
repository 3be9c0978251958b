"""The ``precis`` command: parses arguments, calls the library, maps errors to exit codes.

Exit codes (``EXIT_*``): 0 success; 1 finished, but some articles failed; 2 bad usage
or setup (config, missing model, no readable article, an output that can't be
written); 3 partial: every article has its output, but a stage after translation failed
on some (their translation is written, without a summary); 70 an unexpected error (a
bug: one line on stderr, the traceback in a file it names, or on stderr with
``PRECIS_DEBUG=1``); 130 interrupted (Ctrl-C). A user's mistake gets a one-line message
on stderr, never a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import traceback
from enum import Enum
from pathlib import Path
from typing import Annotated

import click
import typer

from pipeline.cli_batch import batch_app
from pipeline.cli_common import (  # noqa: F401 - the exit codes are part of this module's interface
    EXIT_CRASH,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_SETUP,
    ConfigOption,
    SetOption,
)
from pipeline.cli_common import emit as _emit
from pipeline.cli_common import fail as _fail
from pipeline.cli_common import log as _log
from pipeline.errors import ConfigError, OutputError, PrecisError, UsageError

app = typer.Typer(
    help="French news articles in; English translation and summary out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Fetch or build the models precis uses.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(batch_app, name="batch")


class Format(str, Enum):
    md = "md"
    json = "json"
    html = "html"


class _LogLines(logging.Handler):
    """precis's log records (a model being converted, once) as "precis: ..." lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        _log(record.getMessage())


def _show_version(value: bool) -> None:
    if value:
        from pipeline.version import code_version

        _emit(f"precis {code_version()}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _setup(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_show_version, help="Print precis's code version and exit."),
    ] = False,
) -> None:
    logger = logging.getLogger("precis")
    if not any(isinstance(h, _LogLines) for h in logger.handlers):
        logger.addHandler(_LogLines())
        logger.propagate = False


def _progress(kind: str, done: int, total: int) -> None:
    """Progress of a long stage: a live line on a terminal, quiet otherwise (for cron logs)."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\rprecis: {kind}: {done}/{total} sentences\033[K")  # erase what a longer line left
        sys.stderr.flush()


def _stage_done(kind: str, seconds: float) -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    _log(f"{kind}: {seconds:.1f}s")


@app.command()
def summarize(
    files: Annotated[list[str], typer.Argument(help="Article files (.md, .txt, .html), or - for standard input.")],
    config: ConfigOption = None,
    set_: SetOption = None,
    format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format: md, json, or html (a reading page).")
    ] = Format.md,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write one file per article into DIR.")] = None,
) -> None:
    """Translate French articles into English and summarize them."""
    from pipeline import config as config_mod
    from pipeline.api import summarize_files

    try:
        cfg = config_mod.load(config, set_ or [])
        result = summarize_files(
            files,
            cfg,
            format=format.value,
            out=out,
            progress=_progress,
            on_stage=_stage_done,
            on_error=lambda exc: _log(f"error: {exc}"),
            on_ready=lambda seconds, n: _log(f"models ready in {seconds:.1f}s; processing {n} article(s)"),
        )
        if not result.docs:
            raise typer.Exit(EXIT_SETUP if not result.failed else EXIT_FAILED)
        if out is None:
            _emit(result.combined(format.value))
    except PrecisError as exc:
        raise _fail(exc) from None
    for target in result.written:
        _log(f"wrote {target}")
    for doc in result.docs:
        for warning in doc.warnings:
            _log(f"warning: {doc.id}: {warning}")
    if result.unreadable or result.failed:
        raise typer.Exit(EXIT_FAILED)
    if result.partial:
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def segment(
    file: Annotated[str, typer.Argument(help="Article file, or - for standard input.")],
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Print the article's sentences (and headings), one per line."""
    from pipeline import config as config_mod
    from pipeline import io
    from pipeline.runner import build_stage

    try:
        cfg = config_mod.load(config, set_ or [])
        doc = build_stage("segment", cfg)(io.read_article(file))
        _emit("".join((seg.source if seg.verbatim else seg.source.replace("\n", " ")) + "\n" for seg in doc.segments))
    except PrecisError as exc:
        raise _fail(exc) from None


@app.command()
def check(
    source: Annotated[Path, typer.Argument(help="French source, one segment a line (UTF-8).")],
    translation: Annotated[Path, typer.Argument(help="Its English translation, line-aligned with SOURCE.")],
    config: ConfigOption = None,
    set_: SetOption = None,
    skip: Annotated[
        list[str] | None,
        typer.Option(
            "--skip",
            help="Turn a check off: numbers, percentages, units, dates, times, names, urls, emails; repeatable.",
        ),
    ] = None,
    document: Annotated[
        bool,
        typer.Option(
            "--document", help="The lines form one text: a person named in full earlier may be named by surname."
        ),
    ] = False,
) -> None:
    """Check a translation against its source, line by line: numbers, dates, names... (no translation model).

    Prints one JSON object per line ({"line": N, "flags": [...], "expected": [...]}, each
    expected item with its severity and reason) and a summary on stderr. Names are read by
    spaCy's French NER (consistency.ner; "rules" without it).
    """
    import json

    from pipeline import checking
    from pipeline.consistency import CHECKS

    try:
        unknown = [name for name in skip or [] if name not in CHECKS]
        if unknown:
            raise ConfigError(f"--skip {unknown[0]!r}: unknown check; valid checks: {', '.join(CHECKS)}")
        overrides = [*(set_ or []), *(f"consistency.{name}=false" for name in skip or [])]
        result = checking.check_files(source, translation, checking.load_config(config, overrides), document)
        _emit("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in result.lines))
    except PrecisError as exc:
        raise _fail(exc) from None
    _log(checking.summary_line(result.summary))


@app.command("eval")
def eval_command(
    dataset: Annotated[
        str | None, typer.Option(help="Eval set: a .jsonl/.csv/.parquet file or a Hub dataset id.")
    ] = None,
    config: Annotated[
        list[str] | None, typer.Option("--config", "-c", help="Pipeline config to evaluate; repeatable.")
    ] = None,
    set_: SetOption = None,
    predictions: Annotated[
        list[str] | None, typer.Option(help="Score this prediction file (a text per line, or JSONL); repeatable.")
    ] = None,
    references: Annotated[str | None, typer.Option(help="Reference file for --predictions.")] = None,
    split: Annotated[str, typer.Option(help="Dataset split.")] = "train",
    columns: Annotated[
        str | None, typer.Option(help="Column mapping, e.g. id=id,source=text,summary=abstract,translation=")
    ] = None,
    baselines: Annotated[str, typer.Option(help="Comma-separated baselines: lead,centroid (or '').")] = "lead,centroid",
    k: Annotated[int, typer.Option(help="Sentences in the lead and centroid baselines.", min=1)] = 3,
    baseline: Annotated[
        str | None, typer.Option(help="System the p-values compare against (default: the first).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Run directory for the reports.")] = None,
    stemmer: Annotated[bool, typer.Option(help="Porter stemming in ROUGE.")] = True,
    rouge_tokenizer: Annotated[str, typer.Option(help="ROUGE tokenizer: default ([a-z0-9]) or unicode.")] = "default",
    lsum_split: Annotated[str, typer.Option(help="rougeLsum sentences: sentences (split) or newlines.")] = "sentences",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples.", min=10)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    bertscore: Annotated[bool, typer.Option(help="Add BERTScore (needs precis[bertscore] and its model).")] = False,
) -> None:
    """Score pipeline configs on an eval set, or prediction files against references."""
    import datetime

    from eval import metrics, report, run, scoring
    from eval.datasets import Columns

    try:
        if out is not None:
            from pipeline.files import output_folder

            output_folder(out)  # before the scoring work, not after it
        if rouge_tokenizer not in ("default", "unicode"):
            raise ConfigError(f"--rouge-tokenizer {rouge_tokenizer!r}: valid choices: default, unicode")
        if lsum_split not in ("sentences", "newlines"):
            raise ConfigError(f"--lsum-split {lsum_split!r}: valid choices: sentences, newlines")
        options = scoring.ScoringOptions(
            rouge=metrics.RougeOptions(use_stemmer=stemmer, tokenizer=rouge_tokenizer, lsum_split=lsum_split),
            bootstrap=bootstrap,
            seed=seed,
            bertscore=bertscore,
        )
        if predictions:
            if dataset or config:
                raise ConfigError("--predictions scores files: don't combine it with --dataset or --config")
            if not references:
                raise ConfigError("--predictions needs --references")
            result = run.evaluate_predictions(
                predictions=predictions, references=references, baseline=baseline, options=options
            )
        else:
            if not dataset:
                raise ConfigError("give --dataset (with --config) or --predictions with --references")
            result = run.evaluate_dataset(
                dataset=dataset,
                configs=list(config or [None]),
                split=split,
                columns=Columns.parse(columns),
                overrides=set_ or [],
                baselines=[b.strip() for b in baselines.split(",") if b.strip()],
                k=k,
                baseline=baseline,
                options=options,
            )
        out = out or Path("runs") / datetime.datetime.now().strftime("eval-%Y%m%d-%H%M%S")
        paths = report.write(result, out)
        _emit(report.to_markdown(result) + "\n")
    except PrecisError as exc:
        raise _fail(exc) from None
    for kind, path in paths.items():
        _log(f"wrote {kind}: {path}")


@models_app.command("pull")
def models_pull(config: ConfigOption = None, set_: SetOption = None) -> None:
    """Download the configured models into the local cache, for offline runs."""
    from models import loading
    from pipeline import config as config_mod
    from pipeline.stage import ModelStageConfig

    try:
        cfg = config_mod.load(config, set_ or [])
        for kind, (_, section) in cfg.stages.items():
            if isinstance(section, ModelStageConfig):
                _log(f"{kind}: pulling {section.model}")
                where = loading.pull(section.model, section.revision)
                _log(f"{kind}: {section.model} ready in {where}")
    except PrecisError as exc:
        raise _fail(exc) from None


@models_app.command("tiny")
def models_tiny(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also copy them into DIR.")] = None,
) -> None:
    """Build the tiny random-weight test models (tiny:marian, tiny:bart) and print where they are."""
    import shutil

    from models import tiny
    from pipeline.files import describe, output_folder

    try:
        if out is not None:
            output_folder(out)
        for kind in tiny.KINDS:
            path = tiny.ensure(kind)
            if out is not None:
                try:
                    shutil.copytree(path, out / kind, dirs_exist_ok=True)
                except OSError as exc:
                    raise OutputError(f"can't copy {path} into {out / kind}: {describe(exc)}") from None
                path = out / kind
            _emit(f"tiny:{kind}\t{path}\n")
    except PrecisError as exc:
        raise _fail(exc) from None


def main(argv: list[str] | None = None) -> int:
    """The console script: runs the command and returns its exit code, whatever happens.

    A user's mistake on the command line (an unknown option or command, a bad value, a
    missing argument) is the parser's usage message and exit 2. A bug in precis (an
    exception that isn't a PrecisError or a usage error) exits EXIT_CRASH with one line on
    stderr; its traceback goes to a file the line names (or to stderr with
    PRECIS_DEBUG=1), so cron and systemd tell a crash from failed articles (1).
    """

    from pipeline.files import reserve_standard_fds

    reserve_standard_fds()  # a closed stderr must not become the first file precis opens
    try:
        code = app(args=argv, prog_name="precis", standalone_mode=False)
    except (KeyboardInterrupt, *_ABORTS):  # Ctrl-C: the parser turns KeyboardInterrupt into Abort
        _log("interrupted")
        return EXIT_INTERRUPTED
    except PrecisError as exc:  # raised outside a command's own handling (an option's callback)
        return _fail(exc).exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback on a user's screen
        usage = _usage_error(exc)
        if usage is not None:
            return usage
        return _crash(exc)
    return code if isinstance(code, int) else EXIT_OK


# typer up to 0.28 raises click's exceptions; typer 0.29 carries its own copy of click, whose
# exceptions derive from typer.TyperException instead. Both are caught, by what they are.
_ABORTS = tuple({click.exceptions.Abort, typer.Abort})
_USAGE_ERRORS = tuple({click.ClickException, getattr(typer, "TyperException", click.ClickException)})


def _usage_error(exc: Exception) -> int | None:
    """Report a command-line usage error as one coded line (E010) and return EXIT_SETUP; None for anything else.

    ``precis`` with no command shows the help instead (click raises that as a usage error too).
    """
    if not isinstance(exc, _USAGE_ERRORS) or not callable(getattr(exc, "format_message", None)):
        return None
    ctx = getattr(exc, "ctx", None)
    try:
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()
        else:
            # typer 0.29 words a bad choice "Value error, 'pdf' is not one of ...": keep the words that tell.
            message = exc.format_message().replace("Value error, ", "").rstrip(".")
            where = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
            _log(f"error: {UsageError(message + where)}")
    except OSError:  # a closed stderr: the exit code still tells
        pass
    return EXIT_SETUP


def _crash(exc: Exception) -> int:
    text = "".join(traceback.format_exception(exc))
    if os.environ.get("PRECIS_DEBUG"):
        sys.stderr.write(text)
        where = "above"
    else:
        where = _save_crash(text) or "not saved: set PRECIS_DEBUG=1 to see it"
    try:
        _log(f"internal error: {type(exc).__name__}: {exc} (a bug in precis; traceback: {where})")
    except OSError:  # a closed stderr: the exit code still tells
        pass
    return EXIT_CRASH


def _save_crash(text: str) -> str | None:
    """Write a traceback into the user's private crash folder; its path, or None if it can't be saved.

    The folder is ``<model cache>/crash`` (``~/.cache/precis/crash``), else
    ``$TMPDIR/precis-<uid>``, both made 0700 without following symlinks (``private_folder``);
    the file is created new (O_EXCL, O_NOFOLLOW, 0600), so a link planted in a shared /tmp
    can't make precis overwrite another file.
    """
    from pipeline.errors import PrecisError
    from pipeline.files import private_folder

    name = f"precis-crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in _crash_folders():
        try:
            path = private_folder(folder) / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            return str(path)
        except (OSError, PrecisError):
            continue
    return None


def _crash_folders() -> list[Path]:
    folders = []
    try:
        from models.tiny import cache_root

        folders.append(cache_root() / "crash")
    except Exception:  # noqa: BLE001 - an unusable cache must not hide the crash: try the next folder
        pass
    folders.append(Path(tempfile.gettempdir()) / f"precis-{os.getuid()}")
    return folders


if __name__ == "__main__":  # pragma: no cover - python -m pipeline.cli
    sys.exit(main())
