"""The ``evidence`` command: parses arguments, delegates to the pipeline, reports.

Errors from the product become one line each on stderr and an exit code
(see ``ExitCode``); a traceback only with ``--debug``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from collector.store import Store
from collector.sync import ProgressCallback
from config.loader import LoadedConfig, load_config
from evidence import __version__, logs, pipeline
from evidence.errors import EvidenceError
from renderer import RenderReport

DEFAULT_CONFIG = "evidence.toml"


class EvidenceGroup(click.Group):
    """Turns product errors into one line per problem and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EvidenceError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            for line in exc.lines():
                click.echo(f"error: {line}", err=True)
            ctx.exit(int(exc.exit_code))


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
@click.option("--verbose", "-v", is_flag=True, help="Log what each stage does.")
@click.option("--debug", is_flag=True, help="Debug logs and full tracebacks.")
@click.version_option(__version__, prog_name="evidence")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: bool, debug: bool) -> None:
    """Evidence Ledger: turn your GitHub work into public, provable evidence pages."""
    logs.configure(verbose=verbose, debug=debug)
    ctx.obj = {"config_path": config_path, "debug": debug}


def _loaded(ctx: click.Context) -> LoadedConfig:
    return load_config(ctx.obj["config_path"])


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config file (default: ./evidence.toml)."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; pass --force to overwrite it")
    starter = resources.files("config").joinpath("starter.toml").read_text(encoding="utf-8")
    path.write_text(starter, encoding="utf-8")
    click.echo(f"Wrote {path}. Edit [site] and [[sources]], export the token, then run:")
    click.echo("  evidence build")


@cli.command()
@click.pass_context
def collect(ctx: click.Context) -> None:
    """Fetch new and changed items from every source into the store."""
    report = _collect(_loaded(ctx))
    ctx.exit(int(report.exit_code))


@cli.command()
@click.pass_context
def render(ctx: click.Context) -> None:
    """Re-classify stored items and publish the site. No network."""
    _print_render(pipeline.render(_loaded(ctx)))


@cli.command()
@click.pass_context
def build(ctx: click.Context) -> None:
    """Collect, then render: the nightly job. The site is rendered even if a source failed."""
    loaded = _loaded(ctx)
    report = _collect(loaded)
    _print_render(pipeline.render(loaded))
    ctx.exit(int(report.exit_code))


@cli.command()
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
@click.option("--limit", default=10, show_default=True, help="How many runs to show.")
@click.pass_context
def status(ctx: click.Context, limit: int) -> None:
    """Show the last collection runs per source."""
    loaded = _loaded(ctx)
    with Store.open(loaded.config.store.url, base_dir=loaded.base_dir) as store:
        runs = store.last_runs(limit)
    table = Table(
        "Run", "Started (UTC)", "Status", "Source", "New", "Updated", "Requests", "Errors"
    )
    for run in runs:
        for source in run.summary.get("sources", []) or [{}]:
            table.add_row(
                str(run.id),
                run.started_at.strftime("%Y-%m-%d %H:%M"),
                run.status,
                str(source.get("name", "-")),
                str(source.get("new", "-")),
                str(source.get("updated", "-")),
                str(source.get("requests", "-")),
                str(len(source.get("errors", []))),
            )
    Console().print(table if runs else "No runs yet: run `evidence build`.")


def _collect(loaded: LoadedConfig) -> pipeline.CollectReport:
    with _progress() as progress:
        report = pipeline.collect(loaded, progress=progress)
    _print_summary(report)
    for source in report.sources:
        for line in source.warnings:
            click.echo(f"warning: {line}", err=True)
        for line in source.errors:
            click.echo(f"error: {line}", err=True)
    return report


def _print_summary(report: pipeline.CollectReport) -> None:
    """A table on a terminal; one plain line per source for cron mail and CI logs."""
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
    if console.is_terminal:
        table = Table(
            "Source", "Repos", "New", "Updated", "Requests", "Rate limit left", "Problems"
        )
        for row in rows:
            table.add_row(*map(str, row))
        console.print(table)
        return
    for name, repos_seen, new, updated, requests, left, problems in rows:
        click.echo(
            f"{name}: {repos_seen} repositories, {new} new, {updated} updated, "
            f"{requests} requests, rate limit left {left}, {problems} problems"
        )


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
