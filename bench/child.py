"""One measured collection in a fresh process, so its memory is its own.

    python -m bench.child sync CONFIG                  # evidence's collection (pipeline.collect)
    python -m bench.child naive github API_URL STORE   # the naive PyGithub loop
    python -m bench.child naive gitlab URL STORE       # the naive python-gitlab loop

The token comes from ``GITHUB_TOKEN`` or ``GITLAB_TOKEN``, as for a collection.

Prints one JSON line: wall time of the collection itself (imports excluded)
and the process's peak resident memory (imports included).

The peak is ``VmHWM`` from ``/proc/self/status``, not ``ru_maxrss``: Linux
carries ``ru_maxrss`` across ``execve`` from the forked parent, so it would
report the benchmark's own memory (the generated world) whenever that is larger.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.naive import collect_gitlab_naively, collect_naively
from config.loader import load_config
from evidence import pipeline


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)  # the fake's and the client's chatter is not measured
    mode, *args = argv
    started = time.perf_counter()
    if mode == "sync":
        report = pipeline.collect(load_config(Path(args[0])))
        outcome = report.status
    elif mode == "naive" and args[0] == "github":
        api_url, store_url = args[1:]
        host = urlsplit(api_url).netloc
        outcome = f"{collect_naively(api_url, os.environ['GITHUB_TOKEN'], store_url, host=host)}"
    elif mode == "naive" and args[0] == "gitlab":
        url, store_url = args[1:]
        host = url.split("://", 1)[1]  # the address and any path prefix, as the source records
        token = os.environ["GITLAB_TOKEN"]
        outcome = f"{collect_gitlab_naively(url, token, store_url, host=host)}"
    else:
        raise SystemExit(f"unknown mode {' '.join(argv)!r}; use sync or naive github|gitlab")
    wall = time.perf_counter() - started
    print(json.dumps({"outcome": outcome, "wall": wall, "peak_mb": _peak_kib() / 1024}))


def _peak_kib() -> int:
    """This process's own peak resident memory, in KiB."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])  # "VmHWM:   123456 kB"
    raise SystemExit("no VmHWM in /proc/self/status: the benchmark measures memory on Linux")


if __name__ == "__main__":
    main(sys.argv[1:])
