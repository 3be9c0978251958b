"""What every ``precis`` command shares: exit codes, the config options, one-line errors, stdout.

Only the CLI modules (``pipeline.cli``, ``pipeline.cli_batch``) use it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.errors import OutputError, PrecisError

EXIT_OK, EXIT_FAILED, EXIT_SETUP, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_CRASH = 70  # EX_SOFTWARE (sysexits.h): precis itself went wrong
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="YAML config file (default: built-in defaults = configs/default.yaml)."),
]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", "-s", help="Override a config value: dotted KEY=VALUE, repeatable.")
]


def fail(exc: PrecisError) -> typer.Exit:
    log(f"error: {exc}")
    return typer.Exit(exc.exit_code)


def log(message: str) -> None:
    """One "precis: ..." line on stderr; nothing when stderr is closed (logs are best effort)."""
    try:
        typer.echo(f"precis: {message}", err=True)
    except OSError:
        pass


def emit(text: str) -> None:
    """Write to standard output; a closed pipe or a full device is an OutputError, not a traceback."""
    if sys.stdout is None:  # started with stdout closed (>&-): the output would be lost
        raise OutputError("can't write to standard output: it is closed")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        from pipeline.files import describe

        silence_stdout()
        raise OutputError(f"can't write to standard output: {describe(exc)}") from None


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what is left can't fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
