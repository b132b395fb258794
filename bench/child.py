"""One measured collection in a fresh process, so its memory is its own.

    python -m bench.child sync CONFIG            # evidence's collection (pipeline.collect)
    python -m bench.child naive API_URL STORE    # the naive PyGithub loop

Prints one JSON line: wall time of the collection itself (imports excluded)
and the process's peak resident memory (``ru_maxrss``, imports included).
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.naive import collect_naively
from config.loader import load_config
from evidence import pipeline


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)  # the fake's and the client's chatter is not measured
    mode, *args = argv
    started = time.perf_counter()
    if mode == "sync":
        report = pipeline.collect(load_config(Path(args[0])))
        outcome = report.status
    elif mode == "naive":
        api_url, store_url = args
        host = urlsplit(api_url).netloc
        outcome = f"{collect_naively(api_url, os.environ['GITHUB_TOKEN'], store_url, host=host)}"
    else:
        raise SystemExit(f"unknown mode {mode!r}; use sync or naive")
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"outcome": outcome, "wall": wall, "peak_mb": peak_kib / 1024}))


if __name__ == "__main__":
    main(sys.argv[1:])
