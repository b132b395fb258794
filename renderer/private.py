"""Private work, shown safely and never first.

A redacted entry says little ("Merge request in a private repository of …"), so a
list that opens with one tells a visitor nothing. Lists put public entries first
and private ones after them; where a list is a selection (the home page, the
journal) private entries are left out and summarised instead: "3 changes in
private repositories: 2 in Deployment, 1 in Monitoring; 3 of Payments Platform".
The summary uses only what redacted entries publish anyway: kind, stage, system.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from collector.model.records import Kind
from renderer.chains import Pair
from renderer.counts import plural
from renderer.model import EvidenceEntry, PrivateSummary

T = TypeVar("T")

CHANGE_KINDS = frozenset({Kind.MERGE_REQUEST, Kind.COMMIT})


def public_first(items: Iterable[T], redacted: Callable[[T], bool]) -> tuple[T, ...]:
    """``items`` with the redacted ones moved after the rest; each group keeps its order."""
    listed = tuple(items)
    return tuple(i for i in listed if not redacted(i)) + tuple(i for i in listed if redacted(i))


def public_entries_first(entries: Iterable[EvidenceEntry]) -> tuple[EvidenceEntry, ...]:
    return public_first(entries, lambda e: e.redacted)


def _counted(counts: Counter[str], order: Sequence[str], preposition: str) -> str:
    return ", ".join(f"{counts[name]} {preposition} {name}" for name in order if counts[name])


def summarise_private(entries: Iterable[EvidenceEntry]) -> PrivateSummary | None:
    """What the redacted ``entries`` amount to, by stage and system; None when there are none."""
    private = [e for e in entries if e.redacted]
    if not private:
        return None
    noun = "change" if all(e.kind in CHANGE_KINDS for e in private) else "item"
    where = "a private repository" if len(private) == 1 else "private repositories"
    headline = f"{plural(len(private), noun)} in {where}"
    stages: Counter[str] = Counter()
    stage_order: list[tuple[int, str]] = []
    systems: Counter[str] = Counter()
    for entry in private:
        for category in entry.categories:
            stages[category.stage.title] += 1
            stage_order.append((category.stage.number, category.stage.title))
        for system in entry.systems:
            systems[system.name] += 1
    by_stage = _counted(stages, [title for _, title in sorted(set(stage_order))], "in")
    by_system = _counted(systems, sorted(systems, key=lambda n: (-systems[n], n)), "of")
    detail = "; ".join(part for part in (by_stage, by_system) if part)
    return PrivateSummary(len(private), headline, detail)


def distinct_private_titles(pairs: tuple[Pair, ...]) -> tuple[Pair, ...]:
    """Number redacted entries that would read the same (same kind, system and day), oldest
    first, so no list shows two identical rows; public titles are the forge's own."""
    titles = Counter(e.title for _, e in pairs if e.redacted)
    seen: Counter[str] = Counter()
    numbered: list[Pair] = []
    for c, e in reversed(pairs):
        if e.redacted and titles[e.title] > 1:
            seen[e.title] += 1
            e = replace(e, title=f"{e.title} (#{seen[e.title]})")
        numbered.append((c, e))
    return tuple(reversed(numbered))
