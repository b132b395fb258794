"""Benchmark: what a nightly collection costs, against the minimum and a naive loop.

    uv run python -m bench.collection                 # 200 repositories, 20,000 PRs, 20 ms
    uv run python -m bench.collection --quick         # 40 repositories, 2,000 PRs: a smoke run

A local fake GitHub (``tests/fakes``) serves a seeded world with a fixed
latency per request. Each collection runs in its own process (memory is its
own); requests, 304s and rate-limit cost are counted by the fake itself, the
way GitHub counts them. The runs, in order, on one store:

1. the naive PyGithub loop on the world (it keeps no state: every night costs this);
2. evidence's first sync; 3. a second sync with nothing changed;
4. a sync after one simulated night (new and updated pull requests, merges, a release).

Requests, 304s and rate-limit cost reproduce exactly for a seed; wall time and
memory vary a little with the machine. Prints two Markdown tables for the README.

GitLab: add a ``Forge`` entry below once ``collector/gitlab.py`` reads
incrementally (it collects everything every night until then); the fake GitLab
(``tests/fakes/gitlab_api.py``) and its world take the place of the GitHub ones.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import minimum
from bench.world import ORG, OWNER, build_world, simulate_night
from tests.fakes.github_api import FakeGitHub

TOKEN = "ghp_benchmarkToken0123456789abcdefgh"
LIST_ENDINGS = ("/repos", "/pulls", "/commits", "/releases", "/tags")
UNLIMITED = 10**9


@dataclass(frozen=True, slots=True)
class Measured:
    requests: int
    not_modified: int
    rate_cost: int
    list_pages: int  # list requests among them (304s included)
    wall: float
    peak_mb: float
    outcome: str


def measure(fake: FakeGitHub, command: list[str]) -> Measured:
    """Run one collection in a child process; count what it asked the fake for."""
    requests, rate, not_modified = fake.request_count, fake.rate_used, fake.not_modified_count
    logged = len(fake.requests)
    result = subprocess.run(
        [sys.executable, "-m", "bench.child", *command],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GITHUB_TOKEN": TOKEN},
    )
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{result.stdout}{result.stderr}")
    child = json.loads(result.stdout.strip().splitlines()[-1])
    asked = fake.requests[logged:]
    return Measured(
        requests=fake.request_count - requests,
        not_modified=fake.not_modified_count - not_modified,
        rate_cost=fake.rate_used - rate,
        list_pages=sum(1 for r in asked if r.path.endswith(LIST_ENDINGS)),
        wall=float(child["wall"]),
        peak_mb=float(child["peak_mb"]),
        outcome=str(child["outcome"]),
    )


def write_config(folder: Path, api_url: str) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Benchmark"

[store]
url = "sqlite:///{folder / "ledger.db"}"

[[sources]]
forge = "github"
name = "bench"
api_url = "{api_url}"
users = ["{OWNER}"]
orgs = ["{ORG}"]
""",
        encoding="utf-8",
    )
    return path


def run(args: argparse.Namespace) -> str:
    world = build_world(seed=args.seed, repositories=args.repos, pulls=args.pulls)
    first_minimum, quiet_minimum = minimum.first_sync(world), minimum.no_change(world)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with (
        # The budget is counted, never enforced: the naive loop needs hours of a real
        # token's 5,000 requests an hour and would sleep through them.
        FakeGitHub(world, token=TOKEN, latency=args.latency, rate_limit=UNLIMITED) as fake,
        tempfile.TemporaryDirectory(prefix="evidence-bench-") as folder,
    ):
        config = write_config(Path(folder), fake.api_url)
        step = _progress(args)
        naive = None
        if not args.skip_naive:
            step("naive loop")
            naive_store = f"sqlite:///{Path(folder) / 'naive.db'}"
            naive = measure(fake, ["naive", fake.api_url, naive_store])
        step("first sync")
        first = measure(fake, ["sync", str(config)])
        step("no-change resync")
        quiet = measure(fake, ["sync", str(config)])
        night = simulate_night(world, seed=args.seed)
        night_minimum = minimum.night(world, night)
        step("sync after one night")
        nightly = measure(fake, ["sync", str(config)])
    results = _results_table(
        [
            ("first sync", first, first_minimum),
            ("no-change resync", quiet, quiet_minimum),
            ("after one night", nightly, night_minimum),
        ],
        naive,
    )
    checks = _targets_table(first, quiet, nightly, first_minimum, night.changed_items, naive)
    world_line = (
        f"World: {args.repos} repositories, {args.pulls:,} pull requests, "
        f"{sum(len(r.commits) for r in world.repos.values()):,} commits, "
        f"{sum(len(r.releases) for r in world.repos.values()):,} releases (seed {args.seed}); "
        f"{args.latency * 1000:g} ms per request. The night: {night.total('new_pulls')} new and "
        f"{night.total('updated_pulls')} updated pull requests, {night.total('new_commits')} "
        f"commits, 1 release and its tag in {len(night.repositories)} repositories "
        f"({night.changed_items} changed items); no deployment (not a collected kind yet)."
    )
    return f"{world_line}\n\n{results}\n\n{checks}\n"


def _results_table(rows: list[tuple[str, Measured, int]], naive: Measured | None) -> str:
    lines = [
        "| run | requests | of which 304 | rate-limit cost | wall time | peak memory "
        "| minimum (list pages) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, measured, least in rows:
        lines.append(
            f"| {name} | {measured.requests:,} | {measured.not_modified:,} | "
            f"{measured.rate_cost:,} | {measured.wall:.1f} s | {measured.peak_mb:.0f} MB | "
            f"{least:,} |"
        )
    if naive is not None:
        lines.append(
            f"| naive PyGithub loop (every night) | {naive.requests:,} | {naive.not_modified:,} "
            f"| {naive.rate_cost:,} | {naive.wall:.1f} s | {naive.peak_mb:.0f} MB | - |"
        )
    return "\n".join(lines)


def _targets_table(
    first: Measured,
    quiet: Measured,
    nightly: Measured,
    first_minimum: int,
    changed: int,
    naive: Measured | None,
) -> str:
    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    bound = nightly.list_pages + 2 * changed
    rows = [
        (
            "first sync: requests ≤ 1.1 × minimum list pages",
            f"{first.requests:,} ≤ {1.1 * first_minimum:,.0f}",
            met(first.requests <= 1.1 * first_minimum),
        ),
        (
            "no-change resync: rate-limit cost ≤ 2 % of the first sync's",
            f"{quiet.rate_cost:,} ≤ {0.02 * first.rate_cost:,.0f}",
            met(quiet.rate_cost <= 0.02 * first.rate_cost),
        ),
        (
            "one night: requests ≤ list pages touched + 2 × changed items",
            f"{nightly.requests:,} ≤ {nightly.list_pages:,} + 2 × {changed:,} = {bound:,}",
            met(nightly.requests <= bound),
        ),
        (
            "peak memory ≤ 300 MB",
            f"{max(first.peak_mb, quiet.peak_mb, nightly.peak_mb):.0f} MB",
            met(max(first.peak_mb, quiet.peak_mb, nightly.peak_mb) <= 300),
        ),
    ]
    if naive is not None:
        worst = max((first, quiet, nightly), key=lambda m: m.requests)
        ahead = all(
            getattr(run, figure) < getattr(naive, figure)
            for run in (first, quiet, nightly)
            for figure in ("requests", "rate_cost", "wall", "peak_mb")
        )
        rows.append(
            (
                "ahead of the naive loop on every figure, every run",
                f"most requests {worst.requests:,} vs {naive.requests:,}",
                met(ahead),
            )
        )
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    lines.extend(f"| {target} | {value} | {ok} |" for target, value, ok in rows)
    return "\n".join(lines)


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    def step(name: str) -> None:
        print(f"… {name}", file=sys.stderr, flush=True)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--pulls", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds per request")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive loop")
    parser.add_argument("--quick", action="store_true", help="40 repositories, 2,000 PRs")
    args = parser.parse_args()
    if args.quick:
        args.repos, args.pulls = 40, 2_000
    print(run(args))


if __name__ == "__main__":
    main()
