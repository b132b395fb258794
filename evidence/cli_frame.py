"""What every ``evidence`` command shares: the global options, the logs they set up,
and product errors turned into one line each and a documented exit code.

The global options (``--config``, ``-v``, ``--debug``, ``--log-format``) are taken
before the command by the group and after it by each command (``global_options``);
given after, they win. Both write the same settings, kept on the root context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from core import logs
from core.errors import EvidenceError, ExitCode
from core.redaction import redact

log = logging.getLogger("evidence.cli")


class EvidenceGroup(click.Group):
    """Turns product errors into one line per problem and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EvidenceError as exc:
            if settings(ctx).get("debug"):
                log.debug("the error below was raised here", exc_info=True)
            for line in exc.lines():
                problem(ctx, "error", line)
            ctx.exit(int(exc.exit_code))
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            # A bug: exit 1 as documented. The traceback goes through the logging
            # handlers, which redact tokens, rather than Python's bare excepthook.
            summary = " ".join(f"{type(exc).__name__}: {exc}".split())
            if settings(ctx).get("debug"):
                log.critical("unexpected error (a bug): %s", summary, exc_info=True)
            else:
                problem(
                    ctx,
                    "error",
                    f"unexpected error (a bug): {redact(summary)}; "
                    "rerun with --debug for the traceback",
                )
            ctx.exit(int(ExitCode.FAILURE))


CONFIG_HELP = "Config file (default ./evidence.toml; env EVIDENCE_CONFIG)."
VERBOSE_HELP = "Log what each stage does."
DEBUG_HELP = "Debug logs and full tracebacks."
LOG_FORMAT_HELP = (
    "Log lines for people, or JSON lines for log collectors (env EVIDENCE_LOG_FORMAT)."
)


def settings(ctx: click.Context) -> dict[str, Any]:
    """The global options as given, shared by the group's and the subcommand's context."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, dict) else {}


class _ShownAsErrorLines(logging.Filter):
    """Drops the collector's log line of a problem this command prints as an ``error:`` line.

    JSON logs keep that line (it carries the source and repository fields), and
    the command does not print the problem again there: each problem shows once.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "in_report", False)


@contextmanager
def errors_shown_once(ctx: click.Context) -> Iterator[bool]:
    """Yields whether to print the report's errors afterwards (not when JSON logs have them)."""
    if settings(ctx).get("log_format") == "json":
        yield False
        return
    handlers, drop = list(logging.getLogger().handlers), _ShownAsErrorLines()
    for handler in handlers:
        handler.addFilter(drop)
    try:
        yield True
    finally:
        for handler in handlers:
            handler.removeFilter(drop)


def configure_logs(given: dict[str, Any]) -> None:
    logs.configure(
        verbose=given["verbose"],
        debug=given["debug"],
        log_format="json" if given["log_format"] == "json" else "text",
    )


def _given_after(key: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """A global option repeated after the subcommand: it overrides the one before."""

    def override(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is None or value is False:  # not given after the subcommand
            return
        given = settings(ctx)
        given[key] = value
        if key != "config_path":
            configure_logs(given)

    return override


def global_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``evidence build --config X -v`` works like ``evidence --config X -v build``."""
    options = [
        click.option(
            "--config",
            "-c",
            type=click.Path(dir_okay=False, path_type=Path),
            expose_value=False,
            callback=_given_after("config_path"),
            help=CONFIG_HELP,
        ),
        click.option(
            "--verbose",
            "-v",
            is_flag=True,
            expose_value=False,
            callback=_given_after("verbose"),
            help=VERBOSE_HELP,
        ),
        click.option(
            "--debug",
            is_flag=True,
            expose_value=False,
            callback=_given_after("debug"),
            help=DEBUG_HELP,
        ),
        click.option(
            "--log-format",
            type=click.Choice(logs.LOG_FORMATS),
            expose_value=False,
            callback=_given_after("log_format"),
            help=LOG_FORMAT_HELP,
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def problem(ctx: click.Context, level: str, line: str) -> None:
    """``error: …`` on stderr for people; a log line of that level under --log-format json."""
    if settings(ctx).get("log_format") == "json":
        log.log(logging.ERROR if level == "error" else logging.WARNING, "%s", line)
    else:
        click.echo(f"{level}: {redact(line)}", err=True)
