"""The GitHub runs of the benchmark: ``bench.world`` served by ``tests/fakes/github_api.py``."""

from __future__ import annotations

import argparse
import logging
import re
import tempfile
from datetime import datetime
from pathlib import Path

from bench import minimum
from bench.measure import Logged, RequestKind, first_and_quiet, measure, step
from bench.measure import write_config as measure_config
from bench.report import Allowance, results_table, targets_table
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

Updates = dict[str, dict[int, datetime]]


def kind_of(request: Logged) -> RequestKind:
    if request.path.endswith("/languages"):
        return "languages"
    return "item" if DETAIL.search(request.path) else "list"


def write_config(folder: Path, api_url: str) -> Path:
    source = f"""forge = "github"
name = "bench"
api_url = "{api_url}"
users = ["{OWNER}"]
orgs = ["{ORG}"]"""
    return measure_config(folder, source)


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


def run(args: argparse.Namespace) -> str:
    """The naive loop (unless skipped), then the three syncs; the world line and tables."""
    world = build_world(seed=args.seed, repositories=args.repos, pulls=args.pulls)
    repos = world.repos.values()
    world_line = (  # the world as the first sync finds it
        f"World: {len(repos)} repositories, {sum(len(r.pulls) for r in repos):,} pull requests, "
        f"{sum(len(r.commits) for r in repos):,} commits, "
        f"{sum(len(r.releases) for r in repos):,} releases (seed {args.seed}); "
        f"{args.latency * 1000:g} ms per request."
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    env = {"GITHUB_TOKEN": TOKEN}
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
        naive_store = f"sqlite:///{Path(folder) / 'naive.db'}"
        naive_command = None if args.skip_naive else ["naive", "github", fake.api_url, naive_store]
        syncs = first_and_quiet(fake, "GitHub", config, naive_command, env=env, kind_of=kind_of)
        naive, first, quiet = syncs.naive, syncs.first, syncs.quiet
        synced: Updates = {
            repo.full_name: {pull.number: pull.updated_at for pull in repo.pulls}
            for repo in world.repos.values()
        }
        night = simulate_night(world, seed=args.seed)
        night_candidates = candidates(fake, settings, synced)
        step("GitHub: sync after one night")
        nightly = measure(fake, ["sync", str(config)], env=env, kind_of=kind_of)
    results = results_table(
        [
            ("first sync", first, first_minimum),
            ("no-change resync", quiet, minimum.no_change(world)),
            ("after one night", nightly, minimum.night(world, night, settings)),
        ],
        naive,
        "naive PyGithub loop",
    )
    allowance = Allowance(first_candidates, f"{first_candidates:,} candidates")
    checks = targets_table(
        (first, quiet, nightly), first_minimum, allowance, night.changed_items, naive
    )
    night_line = (
        f"The night: {night.total('new_pulls')} new and {night.total('updated_pulls')} "
        f"updated pull requests, {night.total('new_commits')} commits, a release, its tag and "
        f"its production deployment in {len(night.repositories)} repositories "
        f"({night.changed_items} changed items; {night_candidates} pull requests among them "
        f"need their changed files)."
    )
    return f"{world_line} {night_line}\n\n{results}\n\n{checks}\n"
