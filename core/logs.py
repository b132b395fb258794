"""Logging: readable lines for people, JSON lines for log collectors.

Every line of a run carries that run's id, and the source and repository being
collected when there is one (context variables, added by a handler filter, so
third-party libraries' lines get them too). Every handler redacts known tokens:
the ``RedactSecrets`` filter cleans the message, and the formatters clean the
finished line once more, since a traceback is only formatted after filters ran.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal, TextIO

from core.redaction import RedactSecrets, redact

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
# Third-party request logs are noise at -v; --debug shows them (still redacted).
NOISY_LOGGERS = ("github", "urllib3", "gitlab", "alembic", "apscheduler")
CONTEXT_FIELDS = ("source", "repository")

_shown_progress: set[str] = set()
_run_id: ContextVar[str | None] = ContextVar("evidence_run_id", default=None)
_fields: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("evidence_log_fields", default=())


def new_run_id() -> str:
    """A short random id: unique enough to grep one night's run out of months of logs."""
    return secrets.token_hex(4)


def current_run_id() -> str | None:
    return _run_id.get()


@contextmanager
def run_context(run_id: str | None = None) -> Iterator[str]:
    """Every line logged in this block (in this thread or task) carries the run id."""
    token = _run_id.set(run_id or new_run_id())
    try:
        yield _run_id.get() or ""
    finally:
        _run_id.reset(token)


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Add ``source=…``/``repository=…`` to every line logged in this block."""
    merged = dict(_fields.get())
    merged.update(fields)
    token = _fields.set(tuple(merged.items()))
    try:
        yield
    finally:
        _fields.reset(token)


class RunContext(logging.Filter):
    """Attach to handlers: copies the run id and context fields onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = _run_id.get()
        record.context = dict(_fields.get())
        return True


class TextFormatter(logging.Formatter):
    """``2025-01-02T03:00:01Z WARNING collector.sync run=1a2b3c4d source=github.com: …``"""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = [moment, record.levelname, record.name]
        run_id = getattr(record, "run_id", None)
        if run_id:
            parts.append(f"run={run_id}")
        for key, value in getattr(record, "context", {}).items():
            parts.append(f"{key}={value}")
        line = " ".join(parts) + ": " + record.getMessage()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; keys stable for log collectors' queries."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, object] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        run_id = getattr(record, "run_id", None)
        if run_id:
            entry["run_id"] = run_id
        entry.update(getattr(record, "context", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def configure(
    *,
    verbose: bool,
    debug: bool,
    log_format: LogFormat = "text",
    stream: TextIO | None = None,
) -> None:
    """Send every log line to stderr (or ``stream``) in the chosen format.

    Text shows warnings and errors (``-v``: progress too). JSON is for log
    collectors, which want the progress lines, so it starts at INFO.
    """
    if debug:
        level = logging.DEBUG
    elif verbose or log_format == "json":
        level = logging.INFO
    else:
        level = logging.WARNING
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RunContext())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.NOTSET if debug else logging.WARNING)
    while _shown_progress:  # a fresh configuration starts from the chosen level everywhere
        logging.getLogger(_shown_progress.pop()).setLevel(logging.NOTSET)


def show_progress(*logger_names: str) -> None:
    """Let these loggers' INFO lines through even without ``-v`` (a long-running service)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
            _shown_progress.add(name)
