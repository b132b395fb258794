"""The one redactor: every known token masked in whatever leaves the process.

Imported by every layer that writes somewhere a person or a machine reads: log
handlers (``RedactSecrets``), the command's own lines, the store (run summaries,
a list's last error) and the published status.json. Tokens are registered here
as they are read from the environment (``config.secrets``); nothing else of
ours is imported, so any layer may use it.
"""

from __future__ import annotations

import logging
from typing import TypeVar

_known_secrets: set[str] = set()
T = TypeVar("T")


def register_secret(value: str) -> None:
    if len(value) >= 6:  # shorter values would redact ordinary words
        _known_secrets.add(value)


def redact(text: str) -> str:
    """Every known token in ``text`` replaced with ***: the one redactor of every sink.

    Sinks: log handlers (``RedactSecrets``), the command's own lines, what enters
    the store (run summaries, a list's last error) and what the site publishes
    (status.json). A forge may echo the token back in an error body.
    """
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def redact_all(value: T) -> T:
    """``redact`` applied to every string inside a JSON-like value (dicts, lists, text)."""
    if isinstance(value, str):
        return redact(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {redact_all(k): redact_all(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(redact_all(v) for v in value)
    return value


class RedactSecrets(logging.Filter):
    """Attach to handlers: replaces any known token in a formatted record with ***."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _known_secrets:
            message = redact(record.getMessage())
            record.msg, record.args = message, None
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
        return True
