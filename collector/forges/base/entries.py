"""One entry a forge sent that cannot be mapped costs only itself.

Forges send what their published descriptions allow and more: a commit whose
``author`` is null, a repository without ``created_at``, an entry of a type no
one documented. Such an entry is skipped with a warning that names it (kind,
repository, number, sha or id) and counted (``RequestStats.skipped``, shown by
``evidence status``); the rest of the list, and of the repository, is collected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from collector.forges.base.interface import RequestStats
from collector.forges.base.limits import short
from collector.model.records import Kind, Repository

T = TypeVar("T")
Json = Mapping[str, Any]
# Errors a mapping raises for data it cannot read (pydantic's ValidationError included).
UNMAPPABLE = (KeyError, TypeError, ValueError)


def entry_name(raw: object) -> str:
    """How the owner finds the entry on the forge: its number, sha, tag or id."""
    if not isinstance(raw, Mapping):
        return f"of type {type(raw).__name__}"
    for key, form in (("number", "#{}"), ("iid", "#{}"), ("sha", "{}"), ("tag_name", "{}")):
        value = raw.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
            text = str(value)[:12] if key == "sha" else str(value)
            return form.format(short(text, 60))
    for key in ("name", "id"):
        value = raw.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
            return short(str(value), 60)
    return "without a number, sha or id"


@dataclass(slots=True)
class EntryMapper:
    """Maps a list's entries one by one; what cannot be mapped is named and skipped."""

    host: str
    warnings: list[str]
    stats: RequestStats

    def each(
        self,
        kind: Kind,
        repository: Repository,
        entries: Iterable[Json],
        to_record: Callable[[Json], T],
    ) -> list[T]:
        records: list[T] = []
        for raw in entries:
            record = self.one(kind, repository, raw, to_record)
            if record is not None:
                records.append(record)
        return records

    def one(
        self, kind: Kind, repository: Repository, raw: Json, to_record: Callable[[Json], T]
    ) -> T | None:
        try:
            return to_record(raw)
        except UNMAPPABLE as exc:
            self.stats.skipped += 1
            self.warnings.append(
                f"{repository.ref.path}: {kind.value} {entry_name(raw)} skipped: unexpected "
                f"data from {self.host} ({short(exc)}); the rest is collected"
            )
            return None
