"""One measured collection: run it in a child process, count what it asked a fake forge for.

Both fakes count the way their forge does: ``request_count`` every request,
``not_modified_count`` the 304s among them, ``rate_used`` what the rate limit
was charged (GitHub does not charge a 304, GitLab charges every request).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

# What one request was about: a list page, one item (a pull request, its changed
# files, a file's content...) or a repository's languages (neither: one per repository).
RequestKind = Literal["list", "item", "languages"]


class Logged(Protocol):
    """A request as a fake logged it: its path below the API root and its query."""

    @property
    def path(self) -> str: ...

    @property
    def query(self) -> Mapping[str, str]: ...


class CountingFake(Protocol):
    """What ``measure`` reads from a fake forge."""

    @property
    def request_count(self) -> int: ...

    @property
    def not_modified_count(self) -> int: ...

    @property
    def rate_used(self) -> int: ...

    @property
    def requests(self) -> Sequence[Logged]: ...


@dataclass(frozen=True, slots=True)
class Measured:
    requests: int
    not_modified: int
    rate_cost: int
    list_pages: int  # list requests (304s included)
    detail: int  # requests about one item
    wall: float
    peak_mb: float
    outcome: str


def measure(
    fake: CountingFake,
    command: list[str],
    *,
    env: Mapping[str, str],
    kind_of: Callable[[Logged], RequestKind],
) -> Measured:
    """Run ``python -m bench.child *command``; count what it asked ``fake`` for.

    ``env``: added to this process's environment (the token); ``kind_of`` sorts the
    logged requests into list pages, per-item requests and languages.
    """
    requests, rate, not_modified = fake.request_count, fake.rate_used, fake.not_modified_count
    logged = len(fake.requests)
    result = subprocess.run(
        [sys.executable, "-m", "bench.child", *command],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:2])} failed:\n{result.stdout}{result.stderr}")
    child = json.loads(result.stdout.strip().splitlines()[-1])
    kinds = [kind_of(request) for request in fake.requests[logged:]]
    return Measured(
        requests=fake.request_count - requests,
        not_modified=fake.not_modified_count - not_modified,
        rate_cost=fake.rate_used - rate,
        list_pages=kinds.count("list"),
        detail=kinds.count("item"),
        wall=float(child["wall"]),
        peak_mb=float(child["peak_mb"]),
        outcome=str(child["outcome"]),
    )


@dataclass(frozen=True, slots=True)
class Syncs:
    """The runs every forge's benchmark makes before its night: the same order for both."""

    naive: Measured | None
    first: Measured
    quiet: Measured


def first_and_quiet(
    fake: CountingFake,
    forge: str,
    config: Path,
    naive: list[str] | None,
    *,
    env: Mapping[str, str],
    kind_of: Callable[[Logged], RequestKind],
) -> Syncs:
    """The naive loop (``naive``: its command, None to skip), a first sync, a no-change one."""
    naive_run = None
    if naive is not None:
        step(f"{forge}: naive loop")
        naive_run = measure(fake, naive, env=env, kind_of=kind_of)
    sync = ["sync", str(config)]
    step(f"{forge}: first sync")
    first = measure(fake, sync, env=env, kind_of=kind_of)
    step(f"{forge}: no-change resync")
    quiet = measure(fake, sync, env=env, kind_of=kind_of)
    return Syncs(naive_run, first, quiet)


def step(name: str) -> None:
    """Say on stderr which run is going: the full benchmark takes a while."""
    print(f"… {name}", file=sys.stderr, flush=True)


def write_config(folder: Path, source: str) -> Path:
    """``folder/evidence.toml``: a SQLite store in ``folder`` and one ``[[sources]]`` table,
    whose settings ``source`` gives as TOML lines."""
    path = folder / "evidence.toml"
    store = f"sqlite:///{folder / 'ledger.db'}"
    config = f'[site]\nowner = "Benchmark"\n\n[store]\nurl = "{store}"\n\n[[sources]]\n{source}\n'
    path.write_text(config, encoding="utf-8")
    return path
