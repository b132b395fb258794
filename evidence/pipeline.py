"""The stages in order: collect -> store -> classify -> render. No I/O formatting here."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from collector.classify import Policy, classify_snapshot
from collector.demo import load_sample
from collector.forges import open_forge
from collector.forges.base.signals import SignalSettings
from collector.model.records import Repository
from collector.store import Store
from collector.sync import ProgressCallback, SourceReport, collect_source
from collector.sync.shard import WHOLE, Shard
from config.loader import LoadedConfig
from config.models import EvidenceConfig
from config.secrets import read_tokens
from core.errors import ExitCode
from core.logs import log_context
from core.redaction import redact
from evidence import run_status
from renderer import RenderReport, Theme, render_site

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CollectReport:
    run_id: int
    sources: tuple[SourceReport, ...]

    @property
    def status(self) -> str:
        if not self.sources:
            return "complete"
        # "failed": nothing was collected. A source that failed half-way stored pages first.
        if all(s.failed and s.item_totals.total == 0 for s in self.sources):
            return "failed"
        if any(s.failed or s.errors for s in self.sources):
            return "partial"
        return "complete"

    @property
    def exit_code(self) -> ExitCode:
        return {
            "complete": ExitCode.OK,
            "partial": ExitCode.PARTIAL,
            "failed": ExitCode.NOTHING_COLLECTED,
        }[self.status]


def policy_of(config: EvidenceConfig) -> Policy:
    return Policy.from_config(config)


def collect(
    loaded: LoadedConfig,
    *,
    clock: Clock = utc_now,
    progress: Callable[[str], ProgressCallback] | None = None,
    shard: Shard = WHOLE,
    should_stop: Callable[[], bool] | None = None,
) -> CollectReport:
    """Collect every configured source into the store; forge trouble never raises.

    Only the repositories of ``shard`` are collected. ``should_stop`` is asked
    between pages; when it says yes, ``StopRequested`` ends the run ("interrupted").
    """
    config = loaded.config
    tokens = read_tokens(config.sources)  # every missing variable reported before any request
    signals = SignalSettings.from_config(config)
    with Store.open(config.store.url, base_dir=loaded.base_dir) as store:
        run_id = store.start_run(clock(), shard=None if shard == WHOLE else shard.label)
        reports: list[SourceReport] = []
        try:
            for source in config.sources:
                forge = open_forge(
                    source,
                    tokens[source.source_name],
                    config.collect,
                    signals=signals,
                    recall=store,
                )
                try:
                    on_repository = progress(source.source_name) if progress else None
                    with log_context(source=source.source_name):
                        reports.append(
                            collect_source(
                                forge,
                                store,
                                clock=clock,
                                progress=on_repository,
                                should_stop=should_stop,
                                keep_repository=_in_shard(shard, source.source_name),
                            )
                        )
                finally:
                    forge.close()
        except BaseException:
            # Killed or crashed mid-run: say so in the run history; pages already
            # written to the store stay committed.
            summary = {"sources": [s.as_json() for s in reports], **_shard_json(shard)}
            store.finish_run(run_id, finished_at=clock(), status="interrupted", summary=summary)
            raise
        report = CollectReport(run_id, tuple(reports))
        store.finish_run(
            run_id,
            finished_at=clock(),
            status=report.status,
            summary={"sources": [s.as_json() for s in reports], **_shard_json(shard)},
        )
    return report


def _in_shard(shard: Shard, source: str) -> Callable[[Repository], bool] | None:
    if shard == WHOLE:
        return None
    return lambda repository: shard.owns(source, repository.ref.path)


def _shard_json(shard: Shard) -> dict[str, str]:
    return {} if shard == WHOLE else {"shard": shard.label}


def render(loaded: LoadedConfig, *, clock: Clock = utc_now) -> RenderReport:
    """Re-classify the stored records with the current rules and publish the site."""
    config = loaded.config
    with Store.open(config.store.url, base_dir=loaded.base_dir) as store:
        snapshot = store.snapshot()
        overview = run_status.read_overview(store)
    log.info(
        "classifying %d stored items of %d repositories",
        len(snapshot.items),
        len(snapshot.repositories),
    )
    classified = classify_snapshot(snapshot, policy_of(config))
    generated_at = clock()
    # Published with the site (so the atomic swap keeps it): counts only, no messages.
    status = run_status.document(overview, generated_at=generated_at, public=True)
    log.info("rendering the site into %s", loaded.output_dir)
    rendered = render_site(
        config,
        snapshot,
        classified,
        output_dir=loaded.output_dir,
        generated_at=generated_at,
        theme=Theme.from_config(config.theme, loaded.base_dir),
        extra_files={run_status.STATUS_FILE: _json_bytes(status)},
    )
    log.info(
        "published %s: %d pages written, %d files unchanged, %d removed",
        loaded.output_dir,
        rendered.pages_written,
        rendered.files_unchanged,
        rendered.files_removed,
    )
    return rendered


def _json_bytes(document: object) -> bytes:
    # Published: a token a forge echoed into a stored error must not reach the site.
    return (redact(json.dumps(document, indent=2, sort_keys=True)) + "\n").encode("utf-8")


def demo(output_dir: Path, *, clock: Clock = utc_now) -> RenderReport:
    """Build the bundled sample through a throw-away store, offline and without a token."""
    sample = load_sample()
    with (
        tempfile.TemporaryDirectory(prefix="evidence-demo-") as state,
        Store.open("sqlite:///demo.db", base_dir=Path(state)) as store,
    ):
        seen_at = clock()
        store.upsert_repositories(sample.repositories, seen_at=seen_at)
        source_of = {r.ref: r.source for r in sample.repositories}
        for source in sorted(set(source_of.values())):
            items = [i for i in sample.items if source_of[i.repo] == source]
            store.upsert_items(source, items, seen_at=seen_at)
        snapshot = store.snapshot()
    classified = classify_snapshot(snapshot, policy_of(sample.config))
    return render_site(
        sample.config, snapshot, classified, output_dir=output_dir, generated_at=clock()
    )
