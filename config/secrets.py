"""Tokens: read from the environment only, and kept out of every line we print.

A token is never stored on the config model, never written, and every value
read here is registered with the log redactor so that it cannot leak through
a third-party library's message either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from config.models import Source
from core.errors import ConfigError
from core.redaction import register_secret


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
