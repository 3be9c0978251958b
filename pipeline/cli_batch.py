"""``precis batch``: run a nightly job (``batch run``, the default) or report on one (``batch status``).

The options are parsed here and handed to ``pipeline.batch``; see README, Nightly batch jobs.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from pipeline.cli_common import ConfigOption, SetOption
from pipeline.cli_common import emit as _emit
from pipeline.cli_common import fail as _fail
from pipeline.cli_common import log as _log
from pipeline.errors import ConfigError, PrecisError


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class _BatchGroup(TyperGroup):
    """``precis batch``: runs a job (``batch run``, the default) or reports on one (``batch status OUT``).

    The run stays ``precis batch INPUT --out OUT``, as cron lines and unit files already
    have it: any first word that isn't a subcommand's name is the run's (a default
    command, as click-default-group does). An input folder called ``status`` or ``run``
    is given as ``precis batch run status`` or ``./status``.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


batch_app = typer.Typer(
    cls=_BatchGroup,
    help="Nightly batch jobs: precis batch INPUT --out OUT (= batch run), precis batch status OUT.",
    no_args_is_help=True,
)


@batch_app.command("run")
def batch(
    input: Annotated[
        Path, typer.Argument(help="A folder of .md/.txt/.html articles, a .jsonl file, or a list of paths.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: results, index, failures, runs, cache.")],
    config: ConfigOption = None,
    set_: SetOption = None,
    engine: Annotated[Engine, typer.Option(help="local: this process; ray: a pool of Ray actors.")] = Engine.local,
    max_failures: Annotated[
        int | None, typer.Option("--max-failures", min=1, help="Stop after N failed articles (exit 1).")
    ] = None,
    group_size: Annotated[
        int, typer.Option("--group-size", min=1, help="Articles run through the pipeline together.")
    ] = 16,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, help="Reject larger articles.")] = 1_000_000,
    language: Annotated[
        str, typer.Option("--language", help="fr: reject articles confidently in another language; any: no check.")
    ] = "fr",
    cache: Annotated[Path | None, typer.Option("--cache", help="Translation cache (default OUT/cache.sqlite).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Don't use a translation cache.")] = False,
    log_json: Annotated[bool, typer.Option("--log-json", help="JSON-lines events even on a terminal.")] = False,
    metrics: Annotated[
        Path | None, typer.Option("--metrics", help="Prometheus textfile kept up to date (default OUT/metrics.prom).")
    ] = None,
    article_timeout: Annotated[
        float,
        typer.Option("--article-timeout", help="Seconds an article may take; a longer one fails with E430."),
    ] = 600.0,
    ray_actors: Annotated[int, typer.Option("--ray-actors", min=1, help="Ray actors (each loads the models).")] = 1,
    ray_cpus_per_actor: Annotated[float, typer.Option("--ray-cpus-per-actor", min=0)] = 1.0,
    ray_gpus_per_actor: Annotated[float, typer.Option("--ray-gpus-per-actor", min=0)] = 0.0,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="Ray cluster to join: ray://HOST:10001, HOST:6379 or auto (default: RAY_ADDRESS, else a local one).",
        ),
    ] = None,
) -> None:
    """Process every article of INPUT not already done into OUT (resumable; see README, Nightly batch jobs)."""
    from pipeline import config as config_mod
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.batch.inputs import Limits
    from pipeline.batch.signals import Interrupted

    options = BatchOptions(
        input=input,
        out=out,
        engine=engine.value,
        group_size=group_size,
        max_failures=max_failures,
        limits=Limits(max_bytes=max_bytes),
        cache=cache,
        use_cache=not no_cache,
        log_json=True if log_json else None,
        metrics=metrics,
        article_timeout=article_timeout,
        ray_actors=ray_actors,
        ray_cpus_per_actor=ray_cpus_per_actor,
        ray_gpus_per_actor=ray_gpus_per_actor,
        ray_address=address,
    )
    try:
        if language.lower() not in ("fr", "any"):
            raise ConfigError(f"--language {language!r}: valid choices: fr, any")
        if address and engine != Engine.ray:
            raise ConfigError(f"--address {address}: joins a Ray cluster, so it needs --engine ray")
        overrides = [*(set_ or []), *(["segment.language_check=off"] if language.lower() == "any" else [])]
        cfg = config_mod.load(config, overrides)
        result = run_batch(cfg, options)
    except PrecisError as exc:
        raise _fail(exc) from None
    except Interrupted as exc:  # SIGTERM or SIGINT: the run stopped cleanly (manifest: interrupted)
        _log(f"interrupted by {exc.name}; run the same command again to do what is left")
        raise typer.Exit(exc.exit_code) from None
    raise typer.Exit(result.exit_code)


@batch_app.command("status")
def batch_status(
    out: Annotated[Path, typer.Argument(help="A batch output folder (precis batch ... --out OUT).")],
    json_: Annotated[bool, typer.Option("--json", help="One JSON object instead of lines.")] = False,
) -> None:
    """Where the latest run of OUT stands: counts, throughput, ETA, run id and host, failures by code."""
    import json

    from pipeline.batch.status import read_status, render

    try:
        status = read_status(out)
    except PrecisError as exc:
        raise _fail(exc) from None
    _emit(json.dumps(status.to_dict(), ensure_ascii=False) + "\n" if json_ else render(status))
