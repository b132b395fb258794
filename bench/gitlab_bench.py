"""The GitLab runs of the benchmark: ``bench.gitlab_world`` served by ``tests/fakes/gitlab_api.py``.

The collection goes the same way as GitHub's: a ``[[sources]] forge = "gitlab"``
config (the fake's address, the group and the user), ``pipeline.collect`` in
a child process, the token in ``GITLAB_TOKEN``.
"""

from __future__ import annotations

import argparse
import logging
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import minimum
from bench.gitlab_world import GROUP, NAMESPACES, GitLabNight, build_world, simulate_night
from bench.measure import Logged, RequestKind, first_and_quiet, measure, step
from bench.measure import write_config as measure_config
from bench.report import Allowance, results_table, targets_table
from bench.world import OWNER
from collector.classify import Policy, needs_changed_files
from collector.forges.base.adr import is_adr_file
from collector.forges.gitlab import mapping as gitlab_mapping
from collector.model.records import RepoRef
from config.loader import load_config
from config.models import EvidenceConfig, GitLabSource
from tests.fakes import gitlab_payloads as payloads
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

TOKEN = "glpat-benchmarkToken0123456789"
UNLIMITED = 10**9
# Requests about one item rather than a list page: a merge request itself or its changed
# files, one commit or its diff, a file's content, a branch (its head). Paths arrive
# URL-encoded, so a file path or branch name is one segment.
DETAIL = re.compile(
    r"/merge_requests/\d+(/diffs|/changes)?$"
    r"|/repository/commits/[^/]+(/diff)?$"
    r"|/repository/files/[^/]+/raw$"
    r"|/repository/branches/[^/]+$"
    r"|/deployments/\d+$"
)

Updates = dict[str, dict[int, datetime]]


def kind_of(request: Logged) -> RequestKind:
    path = request.path
    if path.endswith("/languages"):
        return "languages"
    if DETAIL.search(path):
        return "item"
    # The history of one file (a decision record's dates): about one item, not a list.
    if path.endswith("/repository/commits") and "path" in request.query:
        return "item"
    return "list"


def write_config(folder: Path, url: str) -> Path:
    source = f"""forge = "gitlab"
name = "bench"
url = "{url}"
groups = ["{GROUP}"]
users = ["{OWNER}"]"""
    return measure_config(folder, source)


def candidates(fake: FakeGitLab, config: EvidenceConfig, since: Updates | None) -> int:
    """Merge requests whose changed files a collector needs (``needs_changed_files``).

    ``since``: each merge request's ``updated_at`` at the last sync; only those new or
    changed since count. None: all of them (a first sync).
    """
    policy = Policy.from_config(config)
    count = 0
    for project in fake.world.projects.values():
        ref = RepoRef(forge="gitlab", host=fake.host, path=project.path_with_namespace)
        seen = (since or {}).get(project.path_with_namespace, {})
        for request in project.merge_requests:
            if since is not None and seen.get(request.iid) == request.updated_at:
                continue
            raw = payloads.merge_request(request, project, fake.world, fake.urls)
            count += needs_changed_files(gitlab_mapping.merge_request(raw, ref), policy)
    return count


def decision_files(world: GitLabWorld, config: EvidenceConfig) -> int:
    adr_paths = config.classify.adr_paths
    projects = world.projects.values()
    return sum(is_adr_file(path, adr_paths) for project in projects for path in project.files)


def run(args: argparse.Namespace) -> str:
    """The naive loop (unless skipped), then the three syncs; the world line and tables."""
    world = build_world(seed=args.seed, projects=args.repos, merge_requests=args.pulls)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    env = {"GITLAB_TOKEN": TOKEN}
    with (
        # The budget is counted, never enforced (GitLab.com allows 2,000 requests a minute).
        FakeGitLab(world, token=TOKEN, latency=args.latency, rate_limit=UNLIMITED) as fake,
        tempfile.TemporaryDirectory(prefix="evidence-bench-") as folder,
    ):
        config = write_config(Path(folder), fake.url)
        settings = load_config(config).config
        size = next(s.page_size for s in settings.sources if isinstance(s, GitLabSource))
        first_minimum = minimum.gitlab_first_sync(world, settings, size)
        first_candidates = candidates(fake, settings, None)
        decisions = decision_files(world, settings)
        world_line = _world_line(args, world, decisions)  # as the first sync finds it
        naive_store = f"sqlite:///{Path(folder) / 'naive.db'}"
        naive_command = None if args.skip_naive else ["naive", "gitlab", fake.url, naive_store]
        syncs = first_and_quiet(fake, "GitLab", config, naive_command, env=env, kind_of=kind_of)
        naive, first, quiet = syncs.naive, syncs.first, syncs.quiet
        quiet_day = datetime.now(UTC).date()  # the collector's night: which projects read in full
        quiet_minimum = minimum.gitlab_no_change(world, settings, quiet_day, size)
        synced: Updates = {
            project.path_with_namespace: {mr.iid: mr.updated_at for mr in project.merge_requests}
            for project in world.projects.values()
        }
        night = simulate_night(world, seed=args.seed)
        night_candidates = candidates(fake, settings, synced)
        step("GitLab: sync after one night")
        nightly = measure(fake, ["sync", str(config)], env=env, kind_of=kind_of)
        night_day = datetime.now(UTC).date()
    night_minimum = minimum.gitlab_night(world, night, settings, night_day, size)
    results = results_table(
        [
            ("first sync", first, first_minimum),
            ("no-change resync", quiet, quiet_minimum),
            ("after one night", nightly, night_minimum),
        ],
        naive,
        "naive python-gitlab loop",
    )
    allowance = Allowance(
        first_candidates + 2 * decisions,
        f"{first_candidates:,} candidates and {decisions:,} ADR files (text and history: 2 "
        f"each) = {first_candidates + 2 * decisions:,}",
    )
    projects = len(world.projects)
    fixed = minimum.gitlab_listing_pages(world, size) + minimum.group_lists(world, size)
    quiet_bound = Allowance(
        2 * projects + fixed, f"2 × {projects:,} projects + {fixed:,} listing and group pages"
    )
    checks = targets_table(
        (first, quiet, nightly), first_minimum, allowance, night.changed_items, naive, quiet_bound
    )
    lines = f"{world_line} {_night_line(night, night_candidates)}"
    return f"{lines}\n\n{results}\n\n{checks}\n"


def _world_line(args: argparse.Namespace, world: GitLabWorld, decisions: int) -> str:
    projects = list(world.projects.values())
    personal = sum(1 for p in projects if p.namespace_kind == "user")
    jobs = [job for p in projects for pipeline in p.pipelines for job in pipeline.jobs]
    merge_requests = sum(len(p.merge_requests) for p in projects)
    commits = sum(len(p.commits) for p in projects)
    releases = sum(len(p.releases) for p in projects)
    deployments = sum(len(p.deployments) for p in projects)
    incidents = sum(len(p.issues) for p in projects)
    deploy_jobs = sum(1 for job in jobs if job.stage == "deploy")
    return (
        f"World: {len(projects)} projects ({personal} in {OWNER}'s namespace, "
        f"{len(projects) - personal} in {GROUP} and its {len(NAMESPACES) - 1} subgroups), "
        f"{merge_requests:,} merge requests, {commits:,} commits, {releases:,} releases "
        f"and tags, {deployments:,} deployments by {deploy_jobs:,} deploy jobs "
        f"({len(jobs):,} jobs), {incidents:,} incidents, {decisions:,} ADRs "
        f"(seed {args.seed}); {args.latency * 1000:g} ms per request."
    )


def _night_line(night: GitLabNight, night_candidates: int) -> str:
    return (
        f"The night: {night.total('new_merge_requests')} new and "
        f"{night.total('updated_merge_requests')} updated merge requests, "
        f"{night.total('new_commits')} merge commits, a release, its tag and the pipeline "
        f"deploying it to production in {len(night.projects)} projects "
        f"({night.changed_items} changed items; {night_candidates} merge requests among them "
        f"need their changed files)."
    )
