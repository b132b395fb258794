"""``evidence explain``: why an item is (or is not) on the pages, from stored records only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from collector.classify import ClassifiedItem, Policy, classify_snapshot
from collector.model.records import Item
from collector.model.snapshot import Snapshot
from collector.store import GoneItem, Store
from config.loader import LoadedConfig
from core.errors import EvidenceError, ExitCode
from renderer.entries import item_page_path
from renderer.site import SiteModel, build_site_model


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


def rank_lines(site: SiteModel, entry: ClassifiedItem) -> list[str]:
    """Where the item ranks among the highlights of its stages, and why (``renderer.ranking``)."""
    paths = {item_page_path(entry, redacted=r) for r in (False, True)}
    path = next((p for p in paths if p in site.ranks), None)
    if path is None:
        return []
    rank = site.ranks[path]
    lines = [f"  highlight:  score {rank.score:g}" + (" (pinned)" if rank.pinned else "")]
    for section in site.categories:
        members = [e for e in section.entries if e.path == path]
        if not members:
            continue
        if members[0].redacted:
            lines.append(f"    {section.stage.category.value}: private work is never a highlight")
            continue
        public = sorted(
            (e for e in section.entries if not e.redacted),
            key=lambda e: site.ranks[e.path].key(e),
        )
        place = next(n for n, e in enumerate(public, start=1) if e.path == path)
        shown = "on the home page" if place <= len(section.highlights) else "not on the home page"
        lines.append(
            f"    {section.stage.category.value}: {place} of {len(public)} ({shown}, which shows "
            f"the strongest {len(section.highlights)})"
        )
    lines.extend(f"    - {reason}" for reason in rank.reasons)
    return lines


def explain(loaded: LoadedConfig, query: str, *, now: datetime | None = None) -> list[str]:
    with Store.open(loaded.config.store.url, base_dir=loaded.base_dir) as store:
        snapshot: Snapshot = store.snapshot()
        classified = classify_snapshot(snapshot, Policy.from_config(loaded.config))
        try:
            entry = find(classified, query)
        except ItemNotFound:
            # Not on the pages may mean gone from the forge: the store kept why.
            wanted = query.strip().rstrip("/")
            paths = {wanted.rsplit(mark, 1)[0] for mark in "#!@:" if mark in wanted}
            for gone in store.gone_items(urls={wanted}, repo_paths=paths):
                if matches(gone.item, wanted):
                    return gone_lines(gone)
            raise
    lines = explain_lines(entry)
    if entry.classification.surfaced:
        site = build_site_model(
            loaded.config, snapshot, classified, generated_at=now or datetime.now(UTC)
        )
        lines.extend(rank_lines(site, entry))
    return lines
