"""The one set of numbers: how many items, per stage and per kind, under one definition.

Every count a page, a ledger facet or ``ledger.json`` shows about the whole
ledger comes from here, so a visitor who adds them up meets the same numbers
everywhere. The definition is written once (``COUNT_DEFINITION``) and shown
beside the counts, because an item filed under two stages makes the stage
counts add up to more than the total: that is by design, and said so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from collector.model.records import Kind
from renderer.model import CategorySection, Counts, EvidenceEntry, KindCount

COUNT_DEFINITION = (
    "An item is one piece of surfaced evidence with its own page. Each stage counts the "
    "items filed under it; an item filed under two stages counts in both, so the stage "
    "counts can add up to more than the number of items."
)

# Nouns per kind, singular and plural: "1 merge request", "23 merge requests".
KIND_NOUNS: dict[Kind, tuple[str, str]] = {
    Kind.MERGE_REQUEST: ("merge request", "merge requests"),
    Kind.DEPLOYMENT: ("deployment", "deployments"),
    Kind.RELEASE: ("release", "releases"),
    Kind.INCIDENT: ("incident", "incidents"),
    Kind.DECISION: ("decision record", "decision records"),
    Kind.COMMIT: ("commit", "commits"),
    Kind.TAG: ("tag", "tags"),
    Kind.PIPELINE: ("pipeline", "pipelines"),
}


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 item"``, ``"14,219 items"``; ``plural_form`` for nouns that do not just take an s."""
    return f"{count:,} {singular if count == 1 else (plural_form or singular + 's')}"


def kind_phrase(kind: Kind, count: int) -> str:
    singular, many = KIND_NOUNS.get(kind, ("item", "items"))
    return plural(count, singular, many)


def count_entries(entries: Sequence[EvidenceEntry], sections: Sequence[CategorySection]) -> Counts:
    kinds = Counter(entry.kind for entry in entries)
    ordered = sorted(kinds.items(), key=lambda pair: (-pair[1], pair[0].value))
    return Counts(
        items=len(entries),
        stages_with_items=sum(1 for section in sections if section.count),
        stage_total=sum(section.count for section in sections),
        kinds=tuple(KindCount(kind, n, kind_phrase(kind, n)) for kind, n in ordered),
        redacted=sum(1 for entry in entries if entry.redacted),
        definition=COUNT_DEFINITION,
    )
