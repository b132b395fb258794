"""The ``evidence`` command: parses arguments, delegates to the pipeline, reports.

Errors from the product become one line each on stderr and an exit code
(see ``ExitCode``); a traceback only with ``--debug``. What every command
shares (global options, logs, error lines) is in ``evidence.cli_frame``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from collector.store import Store
from collector.sync import ProgressCallback
from collector.sync.shard import WHOLE, Shard
from config.loader import LoadedConfig, load_config
from config.secrets import register_present_tokens
from core import logs
from core.errors import ConfigError
from core.redaction import redact
from evidence import __version__, pipeline, run_status, runs
from evidence.cli_frame import (
    DEBUG_HELP,
    LOG_FORMAT_HELP,
    VERBOSE_HELP,
    EvidenceGroup,
    configure_logs,
    errors_shown_once,
    global_options,
    problem,
    settings,
)
from evidence.explain import explain as explain_item
from evidence.schedule import ScheduleService, cron_trigger, next_fire_time
from evidence.serve import make_server
from evidence.stopping import StopFlag
from renderer import RenderReport

DEFAULT_CONFIG = "evidence.toml"


@click.group(cls=EvidenceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    envvar="EVIDENCE_CONFIG",
    show_default=True,
    help="Config file (env EVIDENCE_CONFIG).",
)
@click.option("--verbose", "-v", is_flag=True, help=VERBOSE_HELP)
@click.option("--debug", is_flag=True, help=DEBUG_HELP)
@click.option(
    "--log-format",
    type=click.Choice(logs.LOG_FORMATS),
    default="text",
    envvar="EVIDENCE_LOG_FORMAT",
    show_default=True,
    help=LOG_FORMAT_HELP,
)
@click.version_option(__version__, prog_name="evidence")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: bool, debug: bool, log_format: str) -> None:
    """Evidence Ledger: turn your GitHub and GitLab work into public, provable evidence pages.

    The options below are also accepted after the command: `evidence build -v`.
    """
    ctx.obj = {
        "config_path": config_path,
        "verbose": verbose,
        "debug": debug,
        "log_format": log_format,
    }
    configure_logs(ctx.obj)
    # One run id for every line of this command (a scheduled build gets its own).
    ctx.with_resource(logs.run_context())


def _shard(_ctx: click.Context, _param: click.Parameter, value: str) -> Shard:
    try:
        return Shard.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


shard_option = click.option(
    "--shard",
    default=WHOLE.label,
    callback=_shard,
    metavar="I/N",
    envvar="EVIDENCE_SHARD",
    show_default=True,
    help="Collect only shard I of N (0-based) of the repositories, e.g. 2/4; only shard 0 "
    "renders (env EVIDENCE_SHARD).",
)
wait_option = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    envvar="EVIDENCE_LOCK_WAIT",
    metavar="SECONDS",
    show_default=True,
    help="When another build holds the store's lock, wait this long for it, then give up "
    "with exit code 7 (env EVIDENCE_LOCK_WAIT).",
)


def _loaded(ctx: click.Context) -> LoadedConfig:
    loaded = load_config(settings(ctx)["config_path"])
    register_present_tokens(loaded.config.sources)  # every command's output is redacted
    return loaded


@cli.command()
@global_options
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config file (default: ./evidence.toml)."""
    if path.exists() and not force:
        # Exit 2 like any other mistake on the command line; 1 is reserved for bugs.
        raise ConfigError([f"{path} already exists; pass --force to overwrite it"])
    starter = resources.files("config").joinpath("starter.toml").read_text(encoding="utf-8")
    path.write_text(starter, encoding="utf-8")
    click.echo(f"Wrote {path}. Edit [site] and [[sources]], export the token, then run:")
    click.echo("  evidence build")


@cli.command()
@global_options
@shard_option
@wait_option
@click.pass_context
def collect(ctx: click.Context, shard: Shard, wait: float) -> None:
    """Fetch new and changed items from every source into the store."""
    options = runs.RunOptions(purpose="collect", shard=shard, wait=wait)
    report = _collect(_loaded(ctx), options, ctx)
    ctx.exit(int(report.exit_code))


@cli.command()
@global_options
@wait_option
@click.pass_context
def render(ctx: click.Context, wait: float) -> None:
    """Re-classify stored items and publish the site. No network."""
    _print_render(runs.render(_loaded(ctx), runs.RunOptions(purpose="render", wait=wait)))


@cli.command()
@global_options
@shard_option
@wait_option
@click.pass_context
def build(ctx: click.Context, shard: Shard, wait: float) -> None:
    """Collect, then render: the nightly job. The site is rendered even if a source failed."""
    loaded = _loaded(ctx)
    options = runs.RunOptions(purpose="build", shard=shard, wait=wait)
    report = _collect(loaded, options, ctx)
    rendered = runs.render_after_collecting(loaded, options)
    if rendered is not None:
        _print_render(rendered)
    ctx.exit(int(report.exit_code))


@cli.command()
@global_options
@click.option("--once", is_flag=True, help="Run one build now and exit with its exit code.")
@wait_option
@click.pass_context
def schedule(ctx: click.Context, once: bool, wait: float) -> None:
    """Rebuild on the [schedule] cron until SIGTERM/SIGINT: the always-on service."""
    logs.show_progress("evidence", "collector", "renderer")
    with StopFlag().on_signals() as stop:
        service = ScheduleService(settings(ctx)["config_path"], wait=wait, stop=stop)
        code = service.run_once() if once else service.serve()
    ctx.exit(int(code))


@cli.command()
@global_options
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder to write the demo site to.",
)
def demo(output: Path) -> None:
    """Build the full site from the bundled sample data: offline, no token."""
    _print_render(pipeline.demo(output.resolve()))


@cli.command()
@global_options
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to serve (default: output.dir of the config, e.g. after `evidence demo`: output).",
)
@click.pass_context
def serve(ctx: click.Context, port: int, bind: str, directory: Path | None) -> None:
    """Preview the generated site in a browser. Ctrl-C stops it."""
    folder = directory.resolve() if directory else _loaded(ctx).output_dir
    server = make_server(folder, bind, port)
    click.echo(f"Serving {folder} at http://{bind}:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


@cli.command()
@global_options
@click.argument("item")
@click.pass_context
def explain(ctx: click.Context, item: str) -> None:
    """Say why ITEM (a URL or owner/repo#number) is or is not on the pages. No network."""
    for line in explain_item(_loaded(ctx), item):
        click.echo(line)


@cli.command()
@global_options
@click.option("--limit", default=10, show_default=True, help="How many runs to show.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the status as JSON (with the messages)."
)
@click.pass_context
def status(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Show the last collection runs per source: when, what, requests, rate limit, errors."""
    loaded = _loaded(ctx)
    with Store.open(loaded.config.store.url, base_dir=loaded.base_dir) as store:
        overview = run_status.read_overview(store, limit)
    schedule = loaded.config.schedule
    upcoming = next_fire_time(cron_trigger(schedule), datetime.now(UTC))
    if as_json:
        document = run_status.document(overview, generated_at=datetime.now(UTC), public=False)
        document["next_scheduled_build"] = upcoming.isoformat() if upcoming else None
        click.echo(redact(json.dumps(document, indent=2, sort_keys=True)))
        return
    run_status.print_overview(Console(), overview)
    when = f"{upcoming:%Y-%m-%d %H:%M %Z}" if upcoming else "never"
    click.echo(f"Next scheduled build: {when} (cron {schedule.cron!r}, `evidence schedule`)")


def _collect(
    loaded: LoadedConfig, options: runs.RunOptions, ctx: click.Context
) -> pipeline.CollectReport:
    with (
        errors_shown_once(ctx) as print_errors,
        _progress() as progress,
        StopFlag().on_signals() as stop,
    ):
        report = runs.collect(loaded, replace(options, should_stop=stop), progress=progress)
    _print_summary(report)
    for source in report.sources:
        for line in source.warnings:
            problem(ctx, "warning", line)
        for line in source.errors if print_errors else ():
            problem(ctx, "error", line)
    return report


def _print_summary(report: pipeline.CollectReport) -> None:
    """A table on a wide terminal; one plain line per source otherwise (cron mail, CI logs)."""
    console = Console()
    rows = []
    for source in report.sources:
        totals, repos = source.item_totals, source.repositories
        left = "-" if source.rate_remaining is None else str(source.rate_remaining)
        if source.rate_limit is not None:
            left += f"/{source.rate_limit}"
        problems = len(source.errors) + len(source.warnings)
        rows.append(
            (
                source.name,
                repos.new + repos.updated + repos.unchanged,
                totals.new,
                totals.updated,
                source.requests,
                left,
                problems,
            )
        )
    table = Table("Source", "Repos", "New", "Updated", "Requests", "Rate limit left", "Problems")
    for row in rows:
        table.add_row(*map(str, row))
    if console.is_terminal and run_status.fits(console, table):
        console.print(table)
        return
    for source in report.sources:
        click.echo(runs.summary_line(source))


@contextmanager
def _progress() -> Iterator[Callable[[str], ProgressCallback] | None]:
    """A progress bar per source when stdout is a terminal; nothing otherwise (cron, CI)."""
    if not sys.stdout.isatty():
        yield None
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:

        def for_source(name: str) -> ProgressCallback:
            task = bar.add_task(name, total=None)

            def advance(done: int, total: int, repository: str) -> None:
                bar.update(task, completed=done, total=total, description=f"{name} {repository}")

            return advance

        yield for_source


def _print_render(report: RenderReport) -> None:
    click.echo(
        f"Site written to {report.output_dir}: {report.pages_written} pages, "
        f"{report.files_unchanged} unchanged, {report.files_removed} removed."
    )


def main() -> None:
    cli.main(prog_name="evidence")
