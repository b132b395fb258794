"""Benchmark: what a nightly collection costs, against the minimum and a naive loop.

    uv run python -m bench.collection                 # 200 repositories, 20,000 PRs, 20 ms
    uv run python -m bench.collection --quick         # 40 repositories, 2,000 PRs: a smoke run

A local fake GitHub (``tests/fakes``) serves a seeded world with a fixed
latency per request. Each collection runs in its own process (memory is its
own); requests, 304s and rate-limit cost are counted by the fake itself, the
way GitHub counts them. The runs, in order:

1. the naive PyGithub loop on the world (it keeps no state: every night costs this);
2. evidence's first sync; 3. a second sync with nothing changed;
4. a sync after one simulated night (new and updated pull requests, merges, a
   release deployed to production).

Requests, 304s and rate-limit cost reproduce exactly for a seed; wall time and
memory vary a little with the machine. Prints two Markdown tables for the README.

GitLab: once ``collector/gitlab.py`` implements ``IncrementalSource`` (until
then it reads everything every night), a GitLab column goes here: the same
runs against ``tests/fakes/gitlab_api.py`` with a ``[[sources]] forge =
"gitlab"`` config, through ``pipeline.collect`` like the GitHub runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import minimum
from bench.world import ORG, OWNER, build_world, simulate_night
from collector.classify import Policy, needs_changed_files
from config.loader import load_config
from config.models import EvidenceConfig
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_expected import expected_pull

TOKEN = "ghp_benchmarkToken0123456789abcdefgh"
UNLIMITED = 10**9
# Requests about one item rather than a list page: a pull request itself, its changed
# files, one commit, a deployment's statuses, one file's contents.
DETAIL = re.compile(
    r"/pulls/\d+(/files)?$|/commits/[0-9a-f]{40}$|/deployments/\d+/statuses$|/contents/.+\.\w+$"
)


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
    detail = sum(1 for r in asked if DETAIL.search(r.path))
    languages = sum(1 for r in asked if r.path.endswith("/languages"))
    return Measured(
        requests=fake.request_count - requests,
        not_modified=fake.not_modified_count - not_modified,
        rate_cost=fake.rate_used - rate,
        list_pages=len(asked) - detail - languages,
        detail=detail,
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


def candidates(fake: FakeGitHub, config: EvidenceConfig, since: Updates | None) -> int:
    """Pull requests whose changed files a collector needs (``needs_changed_files``).

    ``since``: each pull request's ``updated_at`` at the last sync; only those new
    or changed since count. None: all of them (a first sync).
    """
    policy = Policy.from_config(config)
    count = 0
    for repo in fake.world.repos.values():
        seen = (since or {}).get(repo.full_name, {})
        for pull in repo.pulls:
            if since is not None and seen.get(pull.number) == pull.updated_at:
                continue
            count += needs_changed_files(expected_pull(fake, repo, pull), policy)
    return count


Updates = dict[str, dict[int, datetime]]


def run(args: argparse.Namespace) -> str:
    world = build_world(seed=args.seed, repositories=args.repos, pulls=args.pulls)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with (
        # The budget is counted, never enforced: the naive loop needs hours of a real
        # token's 5,000 requests an hour and would sleep through them.
        FakeGitHub(world, token=TOKEN, latency=args.latency, rate_limit=UNLIMITED) as fake,
        tempfile.TemporaryDirectory(prefix="evidence-bench-") as folder,
    ):
        config = write_config(Path(folder), fake.api_url)
        settings = load_config(config).config
        first_minimum = minimum.first_sync(world, settings)
        first_candidates = candidates(fake, settings, None)
        naive = None
        if not args.skip_naive:
            _step("naive loop")
            naive_store = f"sqlite:///{Path(folder) / 'naive.db'}"
            naive = measure(fake, ["naive", fake.api_url, naive_store])
        _step("first sync")
        first = measure(fake, ["sync", str(config)])
        _step("no-change resync")
        quiet = measure(fake, ["sync", str(config)])
        synced: Updates = {
            repo.full_name: {pull.number: pull.updated_at for pull in repo.pulls}
            for repo in world.repos.values()
        }
        night = simulate_night(world, seed=args.seed)
        night_candidates = candidates(fake, settings, synced)
        _step("sync after one night")
        nightly = measure(fake, ["sync", str(config)])
    results = _results_table(
        [
            ("first sync", first, first_minimum),
            ("no-change resync", quiet, minimum.no_change(world)),
            ("after one night", nightly, minimum.night(world, night, settings)),
        ],
        naive,
    )
    checks = _targets_table(
        first, quiet, nightly, first_minimum, first_candidates, night.changed_items, naive
    )
    world_line = (
        f"World: {args.repos} repositories, {args.pulls:,} pull requests, "
        f"{sum(len(r.commits) for r in world.repos.values()):,} commits, "
        f"{sum(len(r.releases) for r in world.repos.values()):,} releases (seed {args.seed}); "
        f"{args.latency * 1000:g} ms per request. The night: {night.total('new_pulls')} new "
        f"and {night.total('updated_pulls')} updated pull requests, "
        f"{night.total('new_commits')} commits, a release, its tag and its production "
        f"deployment in {len(night.repositories)} repositories ({night.changed_items} changed "
        f"items; {night_candidates} pull requests among them need their changed files)."
    )
    return f"{world_line}\n\n{results}\n\n{checks}\n"


def _results_table(rows: list[tuple[str, Measured, int]], naive: Measured | None) -> str:
    lines = [
        "| run | requests | of which 304 | of which per item | rate-limit cost | wall time "
        "| peak memory | minimum (list pages) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, measured, least in rows:
        lines.append(
            f"| {name} | {measured.requests:,} | {measured.not_modified:,} | "
            f"{measured.detail:,} | {measured.rate_cost:,} | {measured.wall:.1f} s | "
            f"{measured.peak_mb:.0f} MB | {least:,} |"
        )
    if naive is not None:
        lines.append(
            f"| naive PyGithub loop (every night) | {naive.requests:,} | {naive.not_modified:,} "
            f"| {naive.detail:,} | {naive.rate_cost:,} | {naive.wall:.1f} s | "
            f"{naive.peak_mb:.0f} MB | - |"
        )
    return "\n".join(lines)


def _targets_table(
    first: Measured,
    quiet: Measured,
    nightly: Measured,
    first_minimum: int,
    first_candidates: int,
    changed: int,
    naive: Measured | None,
) -> str:
    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    bound = nightly.list_pages + 2 * changed
    first_lists = first.requests - first.detail
    peak = max(first.peak_mb, quiet.peak_mb, nightly.peak_mb)
    rows = [
        (
            "first sync: requests ≤ 1.1 × minimum list pages, plus per-item requests only "
            "for candidates",
            f"{first_lists:,} ≤ {1.1 * first_minimum:,.0f}, plus {first.detail:,} for "
            f"{first_candidates:,} candidates",
            met(first_lists <= 1.1 * first_minimum and first.detail <= first_candidates),
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
        ("peak memory ≤ 300 MB", f"{peak:.0f} MB", met(peak <= 300)),
    ]
    if naive is not None:
        ahead = all(
            getattr(run, figure) < getattr(naive, figure)
            for run in (first, quiet, nightly)
            for figure in ("requests", "rate_cost", "wall", "peak_mb")
        )
        most = max(first.requests, quiet.requests, nightly.requests)
        rows.append(
            (
                "ahead of the naive loop on every figure, every run",
                f"requests at most {most:,} vs {naive.requests:,}; memory at most "
                f"{peak:.0f} vs {naive.peak_mb:.0f} MB",
                met(ahead),
            )
        )
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    lines.extend(f"| {target} | {value} | {ok} |" for target, value, ok in rows)
    return "\n".join(lines)


def _step(name: str) -> None:
    print(f"… {name}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
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
