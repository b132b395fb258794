"""How each command runs the pipeline: under the store's locks, for one shard, stoppable.

`collect`, `render`, `build` and every scheduled run go through here, so none
of them ever runs alongside another. The stages themselves live in
``evidence.pipeline``; this module only decides which lock each needs and
which shard renders, and words the one-line summary of a run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from collector.sync import ProgressCallback, SourceReport
from collector.sync.shard import WHOLE, Shard
from config.loader import LoadedConfig
from evidence import pipeline
from evidence.lock import COLLECT, StoreLocks
from renderer import RenderReport

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How one command runs: its shard, how long it waits for a lock, when to stop."""

    purpose: str  # "build", "collect", "render", "scheduled build": shown to waiting processes
    shard: Shard = WHOLE
    wait: float = 0.0  # seconds to wait for a busy lock before giving up (exit 7)
    should_stop: Callable[[], bool] | None = None


def locks_of(loaded: LoadedConfig) -> StoreLocks:
    return StoreLocks.for_store(loaded.config.store.url, base_dir=loaded.base_dir)


def collect(
    loaded: LoadedConfig,
    options: RunOptions,
    *,
    progress: Callable[[str], ProgressCallback] | None = None,
) -> pipeline.CollectReport:
    """Collect this shard's repositories while holding its collect locks."""
    locks = locks_of(loaded)
    with locks.collecting(options.shard, wait=options.wait, purpose=options.purpose):
        return pipeline.collect(
            loaded, progress=progress, shard=options.shard, should_stop=options.should_stop
        )


def render(loaded: LoadedConfig, options: RunOptions) -> RenderReport:
    """Render while holding the render lock, so two renders never swap the site at once."""
    with locks_of(loaded).rendering(wait=options.wait, purpose=options.purpose):
        return pipeline.render(loaded)


def render_after_collecting(loaded: LoadedConfig, options: RunOptions) -> RenderReport | None:
    """The render step of a build; None for the shards that do not render.

    Shard 0 of a sharded build first waits (up to ``wait``) until no other shard
    holds the collect lock, so the site it publishes includes their work. If they
    are still busy then, it renders what is stored and says so; their items show
    after the next render.
    """
    if not options.shard.renders:
        log.info("shard %s collects only; shard 0 renders", options.shard)
        return None
    if options.shard != WHOLE:
        locks = locks_of(loaded)
        purpose = f"{options.purpose} (shard 0 waiting for the other shards)"
        if not locks.try_hold_within(COLLECT, wait=options.wait, purpose=purpose):
            log.warning(
                "other shards are still collecting into store %s after %g s; rendering what is "
                "stored now, their new items show after the next render",
                locks.location,
                options.wait,
            )
    return render(loaded, options)


def summary_line(source: SourceReport) -> str:
    """One plain line per source, for cron mail, CI logs and the scheduler's log."""
    repos, totals = source.repositories, source.item_totals
    left = "-" if source.rate_remaining is None else str(source.rate_remaining)
    if source.rate_limit is not None:
        left += f"/{source.rate_limit}"
    return (
        f"{source.name}: {repos.new + repos.updated + repos.unchanged} repositories, "
        f"{totals.new} new, {totals.updated} updated, {source.requests} requests, "
        f"rate limit left {left}, {len(source.errors) + len(source.warnings)} problems"
    )
