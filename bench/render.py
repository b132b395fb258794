"""Benchmark: how long rendering takes at 2,000 and 20,000 items, and what one change rewrites.

    uv run python -m bench.render               # 2,000 and 20,000 items
    uv run python -m bench.render --items 500   # one size only

A seeded snapshot of surfaced items (tagged merge requests with bodies, releases
and production deployments of 40 repositories in 8 systems) goes through the same
classification, site model, pages, feeds, previews and search index as a real
build (``renderer.render_site``), into a fresh folder; then one item's title
changes and the site is rendered again into the same folder. Prints a Markdown
table for docs/benchmark.md: wall time of each, pages written, the home page's
size, and the files the second render actually rewrote.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from collector.classify import Policy, classify_snapshot
from collector.model.records import Deployment, Item, MergeRequest, Release, RepoRef, Repository
from collector.model.snapshot import Snapshot, StoredItem
from config.models import EvidenceConfig
from renderer import RenderReport, render_site

BUILT_AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
REPOSITORIES = 40
SYSTEMS = 8
WORDS = (
    "ledger",
    "scoring",
    "queue",
    "consent",
    "retry",
    "outbox",
    "payments",
    "schema",
    "cache",
    "worker",
    "rollout",
    "alerting",
    "latency",
    "migration",
    "index",
    "backfill",
)


def world(items: int, seed: int = 7) -> tuple[EvidenceConfig, Snapshot]:
    """``items`` surfaced items: 80 % tagged merge requests, then releases and deployments."""
    rng = random.Random(seed)
    refs = [
        RepoRef(forge="github", host="github.com", path=f"bench-dev/service-{n:02d}")
        for n in range(REPOSITORIES)
    ]
    repositories = tuple(
        Repository(ref=ref, source="github.com", url=f"https://github.com/{ref.path}")
        for ref in refs
    )
    records: list[Item] = []
    for number in range(items):
        ref = refs[number % REPOSITORIES]
        when = BUILT_AT - timedelta(hours=rng.randrange(24, 24 * 700))
        kind = number % 10
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 8))).capitalize()
        if kind < 8:
            records.append(
                MergeRequest(
                    repo=ref,
                    url=f"https://github.com/{ref.path}/pull/{number}",
                    title=title,
                    author="bench-dev",
                    created_at=when - timedelta(days=2),
                    number=number,
                    body=f"## Why\n\n{title}. See #{max(number - 40, 1)}.\n\n- one\n- two\n",
                    state="merged",
                    labels=("evidence", rng.choice(("", "evidence:deployment"))),
                    merged_at=when,
                )
            )
        elif kind == 8:
            tag = f"v{number // 100}.{number % 100}.0"
            records.append(
                Release(
                    repo=ref,
                    url=f"https://github.com/{ref.path}/releases/tag/{tag}",
                    title=tag,
                    created_at=when,
                    tag=tag,
                    name=title,
                    body=f"{title}.",
                )
            )
        else:
            records.append(
                Deployment(
                    repo=ref,
                    url=f"https://github.com/{ref.path}/deployments",
                    title=f"Deploy {number}",
                    created_at=when,
                    id=str(number),
                    environment="production",
                    status="success",
                    finished_at=when + timedelta(minutes=9),
                )
            )
    systems = [
        {
            "name": f"System {n}",
            "slug": f"system-{n}",
            "repos": [f"github:{ref.path}" for ref in refs[n::SYSTEMS]],
        }
        for n in range(SYSTEMS)
    ]
    config = EvidenceConfig.model_validate(
        {
            "site": {"owner": "Bench Developer", "base_url": "https://bench.example/"},
            "sources": [{"forge": "github", "users": ["bench-dev"]}],
            "systems": systems,
        }
    )
    stored = tuple(StoredItem(item, "github.com", BUILT_AT, BUILT_AT) for item in records)
    return config, Snapshot(repositories, stored)


def timed_render(
    config: EvidenceConfig, snapshot: Snapshot, output: Path
) -> tuple[float, RenderReport]:
    started = time.perf_counter()
    classified = classify_snapshot(snapshot, Policy.from_config(config))
    report = render_site(config, snapshot, classified, output_dir=output, generated_at=BUILT_AT)
    return time.perf_counter() - started, report


def one_changed(snapshot: Snapshot) -> Snapshot:
    """The same snapshot with the first merge request retitled."""
    items = list(snapshot.items)
    first = next(n for n, s in enumerate(items) if isinstance(s.item, MergeRequest))
    stored = items[first]
    items[first] = StoredItem(
        stored.item.model_copy(update={"title": stored.item.title + " (retitled)"}),
        stored.source,
        stored.first_seen_at,
        stored.last_seen_at,
    )
    return Snapshot(snapshot.repositories, tuple(items))


def run(sizes: list[int]) -> str:
    rows = [
        "| items | first render | pages | home page | one item changed: re-render "
        "| files rewritten |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sizes:
        config, snapshot = world(size)
        with tempfile.TemporaryDirectory(prefix="evidence-render-bench-") as folder:
            output = Path(folder) / "site"
            first_time, first = timed_render(config, snapshot, output)
            home = (output / "index.html").stat().st_size
            again_time, again = timed_render(config, one_changed(snapshot), output)
            files = sum(1 for p in output.rglob("*") if p.is_file())
            rewritten = files - again.files_unchanged
        rows.append(
            f"| {size:,} | {first_time:.1f} s | {first.pages_written:,} | {home / 1024:.1f} KB "
            f"| {again_time:.1f} s | {rewritten:,} of {files:,} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--items", type=int, action="append", help="a size (repeatable)")
    args = parser.parse_args()
    print(run(args.items or [2_000, 20_000]))


if __name__ == "__main__":
    main()
