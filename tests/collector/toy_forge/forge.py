"""The toy forge's client: the whole ``ForgeSource`` interface over a JSON file.

Each list is one page; its cursor remembers the newest ``updated_at`` read, so
a second run commits nothing new unless the file changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from collector.forges.base.interface import RequestStats
from collector.forges.base.limits import Limits
from collector.forges.base.signals import Recall, SignalSettings
from collector.model.incremental import Cursor, SyncPage, SyncState
from collector.model.records import Kind, MergeRequest, RepoRef, Repository
from tests.collector.toy_forge.settings import ToySource


class ToyForge:
    """Reads merge requests of the repositories in ``config.world``."""

    kinds: Sequence[Kind] = (Kind.MERGE_REQUEST,)

    def __init__(
        self,
        config: ToySource,
        token: str,
        *,
        limits: Limits,
        signals: SignalSettings | None,
        recall: Recall | None,
    ) -> None:
        self.name = config.source_name
        self.warnings: list[str] = []
        self._config = config
        self._stats = RequestStats()
        self._world: dict[str, Any] = json.loads(config.world.read_text(encoding="utf-8"))

    def repositories_since(self, known: Mapping[RepoRef, Repository]) -> Iterator[Repository]:
        for path in sorted(self._world):
            self._stats.requests += 1
            yield Repository(
                ref=self._ref(path),
                source=self.name,
                url=f"https://{self._config.host}/{path}",
            )

    @property
    def listing_complete(self) -> bool:
        return True

    def sync_items(
        self, repository: Repository, kind: Kind, state: SyncState
    ) -> Iterator[SyncPage]:
        self._stats.requests += 1
        changes = self._world[repository.ref.path]
        newer = [
            c
            for c in changes
            if state.cursor.watermark is None
            or datetime.fromisoformat(c["updated_at"]) > state.cursor.watermark
        ]
        items = tuple(self._change(repository.ref, c) for c in newer)
        newest = max((i.updated_at for i in items if i.updated_at), default=None)
        cursor = Cursor(watermark=newest or state.cursor.watermark, completed_at=state.now)
        yield SyncPage(items=items, cursor=cursor)

    @property
    def stats(self) -> RequestStats:
        return self._stats

    def close(self) -> None:
        pass

    def _ref(self, path: str) -> RepoRef:
        return RepoRef(forge="toy", host=self._config.host, path=path)

    def _change(self, ref: RepoRef, raw: Mapping[str, Any]) -> MergeRequest:
        return MergeRequest(
            repo=ref,
            url=f"https://{ref.host}/{ref.path}/changes/{raw['number']}",
            title=str(raw["title"]),
            created_at=datetime.fromisoformat(raw["created_at"]),
            updated_at=datetime.fromisoformat(raw["updated_at"]),
            number=int(raw["number"]),
            state="merged",
            merged_at=datetime.fromisoformat(raw["updated_at"]),
            labels=tuple(raw.get("labels", ())),
        )
