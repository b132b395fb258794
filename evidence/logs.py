"""Logging for humans on a terminal; every handler redacts known tokens."""

from __future__ import annotations

import logging
import sys

from config.secrets import RedactSecrets


def configure(*, verbose: bool, debug: bool) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if not debug:
        # Third-party request logs are noise at -v; --debug shows them (still redacted).
        for noisy in ("github", "urllib3", "gitlab", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
