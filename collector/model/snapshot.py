"""A read-only view of the store: what classification and the renderer work from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from collector.model.records import Item, RepoRef, Repository


@dataclass(frozen=True, slots=True)
class StoredItem:
    item: Item
    source: str  # name of the configured source that collected it
    first_seen_at: datetime  # first collected
    last_seen_at: datetime  # last collected (the provenance "collected" time)


@dataclass(frozen=True, slots=True)
class Snapshot:
    repositories: tuple[Repository, ...]
    items: tuple[StoredItem, ...]
    _by_ref: dict[RepoRef, Repository] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_ref", {r.ref: r for r in self.repositories})

    def repository(self, ref: RepoRef) -> Repository | None:
        return self._by_ref.get(ref)
