"""Tokens: read from the environment only, and kept out of every line we print.

A token is never stored on the config model, never written, and every value
read here is registered with the log redactor so that it cannot leak through
a third-party library's message either.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import TypeVar

from config.models import Source
from evidence.errors import ConfigError

_known_secrets: set[str] = set()
T = TypeVar("T")


def read_tokens(
    sources: Sequence[Source], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Token per source name; every missing variable reported at once (exit 2)."""
    env = os.environ if environ is None else environ
    tokens: dict[str, str] = {}
    problems: list[str] = []
    for index, source in enumerate(sources):
        token = env.get(source.token_env, "").strip()
        if not token:
            problems.append(
                f"sources[{index}] ({source.source_name}): environment variable "
                f"{source.token_env} is not set; export a {source.forge} token with read "
                f"access there (the token never goes in the config file)"
            )
            continue
        tokens[source.source_name] = token
        register_secret(token)
    if problems:
        raise ConfigError(problems)
    return tokens


def register_present_tokens(
    sources: Sequence[Source], environ: Mapping[str, str] | None = None
) -> None:
    """Register the tokens that are set, requiring none: for commands that only print.

    ``evidence status`` reads no token, yet prints what a build stored; whatever
    an older version let through is still masked when the variables are set.
    """
    env = os.environ if environ is None else environ
    for source in sources:
        token = env.get(source.token_env, "").strip()
        if token:
            register_secret(token)


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
