"""``precis batch``: run a nightly job (``batch run``, the default) or report on one (``batch status``).

The options are parsed here and handed to ``pipeline.batch``; see docs/batch.md.
"""

from __future__ import annotations

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
    # Checked by the engine registry and _check_bounds, not by typer: a coded one-line error (E100).
    engine: Annotated[str, typer.Option(help="local: this process; ray: a pool of Ray actors.")] = "local",
    max_failures: Annotated[
        int | None, typer.Option("--max-failures", help="Stop after N (1 or more) failed articles (exit 1).")
    ] = None,
    group_size: Annotated[
        int, typer.Option("--group-size", help="Articles (1 or more) run through the pipeline together.")
    ] = 16,
    max_bytes: Annotated[int, typer.Option("--max-bytes", help="Reject larger articles (bytes, 1 or more).")] = 10**6,
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="Follow symlinks of an input folder that lead out of it.")
    ] = False,
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
    ray_actors: Annotated[int, typer.Option("--ray-actors", help="Ray actors, 1 or more (each loads the models).")] = 1,
    ray_cpus_per_actor: Annotated[float, typer.Option("--ray-cpus-per-actor", help="0 or more, 0.0001 steps.")] = 1.0,
    ray_gpus_per_actor: Annotated[
        float, typer.Option("--ray-gpus-per-actor", help="0 or more, in 0.0001 steps; above 1, whole GPUs.")
    ] = 0.0,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="Ray cluster to join: ray://HOST:10001, HOST:6379 or auto (default: RAY_ADDRESS, else a local one).",
        ),
    ] = None,
) -> None:
    """Process every article of INPUT not already done into OUT (resumable; see docs/batch.md)."""
    from pipeline import config as config_mod
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.batch.engines import get as get_engine
    from pipeline.batch.inputs import Limits
    from pipeline.batch.signals import Interrupted

    options = BatchOptions(
        input=input,
        out=out,
        engine=engine,
        group_size=group_size,
        max_failures=max_failures,
        limits=Limits(max_bytes=max_bytes, follow_symlinks=follow_symlinks),
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
        get_engine(engine)
        _check_bounds({"--max-failures": max_failures, "--group-size": group_size, "--max-bytes": max_bytes})
        # Ray's rules have one home, RayEngine.check; applied whatever the engine, so a
        # nonsense --ray-* value is refused rather than ignored until the day ray is used.
        get_engine("ray").check(options)
        if language.lower() not in ("fr", "any"):
            raise ConfigError(f"--language {language!r}: valid choices: fr, any")
        if address and engine != "ray":
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


def _check_bounds(values: dict[str, int | None]) -> None:
    """Each whole-number option is 1 or more (None: not given).

    Checked here rather than with typer's ``min=``: the error is then a coded line that
    says the valid range, like every other bad value.

    Raises:
        ConfigError: the first option out of range, with its valid range.
    """
    for option, value in values.items():
        if value is not None and value < 1:
            raise ConfigError(f"{option} {value}: valid values: a whole number of 1 or more")


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
