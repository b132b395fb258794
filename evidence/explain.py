"""``evidence explain``: why an item is (or is not) on the pages, from stored records only."""

from __future__ import annotations

from collections.abc import Iterable

from collector.classify import ClassifiedItem, Policy, classify_snapshot
from collector.model.records import Item
from collector.model.snapshot import Snapshot
from collector.store import GoneItem, Store
from config.loader import LoadedConfig
from core.errors import EvidenceError, ExitCode


class ItemNotFound(EvidenceError):
    exit_code = ExitCode.CONFIG


def matches(item: Item, query: str) -> bool:
    """Whether ``query`` (URL, ``owner/repo#number``, ``@sha``, ``:tag``) names ``item``."""
    names = {
        item.url.rstrip("/"),
        f"{item.repo.path}#{item.key}",
        f"{item.repo.path}!{item.key}",
        f"{item.repo.path}@{item.key}",
        f"{item.repo.path}:{item.key}",
    }
    return query in names or (len(query) >= 7 and f"{item.repo.path}@{item.key}".startswith(query))


def find(classified: Iterable[ClassifiedItem], query: str) -> ClassifiedItem:
    """An item by URL, by ``owner/repo#number``, ``owner/repo@sha`` or ``owner/repo:tag``."""
    query = query.strip().rstrip("/")
    candidates = list(classified)
    for entry in candidates:
        if matches(entry.item, query):
            return entry
    raise ItemNotFound(
        f"no stored item matches {query!r}; give its URL or owner/repo#number "
        "(run `evidence collect` first if it is new)"
    )


def explain_lines(entry: ClassifiedItem) -> list[str]:
    item, result = entry.item, entry.classification
    repository = entry.repository
    visibility = repository.visibility.value if repository else "unknown repository"
    lines = [
        f"{item.kind.value} {item.repo}{'#' if item.kind.value != 'commit' else '@'}{item.key}: "
        f"{item.title}",
        f"  url:        {item.url}",
        f"  repository: {visibility}",
        f"  shown:      {'yes' if result.surfaced else 'no'} — {result.surfacing}",
    ]
    if result.hidden:
        return lines
    if not result.categories:
        lines.append("  categories: none")
    for category in result.categories:
        lines.append(f"  {category.value}:")
        lines.extend(f"    - {reason.detail}" for reason in result.reasons_for(category))
    return lines


def gone_lines(gone: GoneItem) -> list[str]:
    item = gone.item
    whose = "its repository was" if gone.repository_gone else "it was"
    return [
        f"{item.kind.value} {item.repo}{'#' if item.kind.value != 'commit' else '@'}{item.key}: "
        f"{item.title}",
        f"  url:        {item.url}",
        f"  shown:      no — {whose} reported gone on {gone.gone_at:%Y-%m-%d}: {gone.reason}",
        "  kept:       its stored record stays; it is shown again if the forge lists it again",
    ]


def explain(loaded: LoadedConfig, query: str) -> list[str]:
    with Store.open(loaded.config.store.url, base_dir=loaded.base_dir) as store:
        snapshot: Snapshot = store.snapshot()
        classified = classify_snapshot(snapshot, Policy.from_config(loaded.config))
        try:
            return explain_lines(find(classified, query))
        except ItemNotFound:
            # Not on the pages may mean gone from the forge: the store kept why.
            wanted = query.strip().rstrip("/")
            paths = {wanted.rsplit(mark, 1)[0] for mark in "#!@:" if mark in wanted}
            for gone in store.gone_items(urls={wanted}, repo_paths=paths):
                if matches(gone.item, wanted):
                    return gone_lines(gone)
            raise
