"""Highlights, not the newest: how much each item proves, as a score with its reasons.

The home page shows the strongest few items per stage; every other list stays
complete and dated. The order is:

1. items the owner pinned (``[[overrides]]`` with ``pin = true``), in the order
   of their ``[[overrides]]`` entries;
2. then by score, highest first, where an item earns points for
   - a complete chain: merged (1), released (2), deployed (3), an incident it
     was followed by or is part of (2), a revert or hotfix that followed (1);
     a release or deployment earns the same for the changes it shipped;
   - the owner as its author (2), and the owner's own evidence tag (1);
   - its size: lines changed, on a log scale (up to 2);
   - recency: up to 2, halving every 180 days before the start of the build's month
     (like the figures' window, so ranks do not shift from one nightly build to the next);
   - a decision record implemented by merge requests in the ledger (2);
3. ties: newest first, then the page path, so the same inputs give the same order.

Redacted items never rank as highlights. ``evidence explain`` prints an item's
score and reasons; the README ("Highlights") repeats this list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from collector.model.records import Commit, Kind, MergeRequest
from renderer.chains import Pair
from renderer.model import Chain, DecisionView, EvidenceEntry, Rank

CHAIN_POINTS = {"Merged": 1.0, "Released": 2.0, "Deployed": 3.0, "Incident": 2.0}
CHAIN_WORDS = {
    "Merged": "merged",
    "Released": "shipped in a release",
    "Deployed": "deployed",
    "Incident": "an incident in its chain",
}
OWN_ROLE = {Kind.RELEASE: "Released", Kind.DEPLOYMENT: "Deployed", Kind.INCIDENT: "Incident"}
FAILURE_POINTS = 1.0  # "Reverted" or "Hotfix" after the deployment
OWNER_AUTHOR_POINTS = 2.0
OWNER_TAG_POINTS = 1.0
SIZE_POINTS = 2.0  # at 10,000 lines changed
RECENCY_POINTS = 2.0
RECENCY_HALF_LIFE_DAYS = 180.0
DECISION_POINTS = 2.0
HIGHLIGHTS_PER_STAGE = 3


def _lines_changed(item: object) -> int | None:
    if not isinstance(item, MergeRequest | Commit):
        return None
    added, deleted = item.extra.get("additions"), item.extra.get("deletions")
    if isinstance(added, int) and isinstance(deleted, int) and added >= 0 and deleted >= 0:
        return added + deleted
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _points(value: float) -> str:
    return f"+{value:g}" if value == int(value) else f"+{value:.1f}"


class _Scorer:
    def __init__(
        self,
        chains: Sequence[Chain],
        decisions: Sequence[DecisionView],
        pins: Mapping[str, int],
        as_of: datetime,
    ) -> None:
        self.as_of = as_of
        self.pins = pins
        self.steps: dict[str, set[str]] = {}  # entry path -> roles of chains it is part of
        for chain in chains:
            roles = {step.role for step in chain.steps}
            for step in chain.steps:
                self.steps.setdefault(step.entry.path, set()).update(roles)
        self.implemented = {d.entry.path: len(d.implemented_by) for d in decisions}

    def rank(self, pair: Pair) -> Rank:
        classified, entry = pair
        reasons: list[str] = []
        score = 0.0

        def earn(points: float, why: str) -> None:
            nonlocal score
            score += points
            reasons.append(f"{why}: {_points(points)}")

        pinned = self.pins.get(classified.item.url.rstrip("/"))
        item = classified.item
        if pinned is not None:
            reasons.append(f"pinned by the owner ({_ordinal(pinned)} pin)")
        roles = set(self.steps.get(entry.path, set()))
        if isinstance(item, MergeRequest) and item.merged_at is not None:
            roles.add("Merged")
        if item.kind in OWN_ROLE:
            roles.add(OWN_ROLE[item.kind])
        for role in ("Merged", "Released", "Deployed", "Incident"):
            if role in roles:
                earn(CHAIN_POINTS[role], CHAIN_WORDS[role])
        if roles & {"Reverted", "Hotfix"}:
            earn(FAILURE_POINTS, "followed by a revert or hotfix")
        if entry.by_owner:
            earn(OWNER_AUTHOR_POINTS, "the owner is its author")
        rules = {r.rule for r in classified.classification.reasons}
        # A bare evidence label surfaces an item without choosing its stage: still the owner's.
        if rules & {"owner-label", "owner-trailer"} or entry.labels != entry.shown_labels:
            earn(OWNER_TAG_POINTS, "tagged as evidence by the owner")
        lines = _lines_changed(item)
        if lines:
            earn(
                round(min(SIZE_POINTS, SIZE_POINTS * math.log10(lines + 1) / 4), 2),
                f"{lines} lines changed",
            )
        age = max((self.as_of - entry.event_at).total_seconds() / 86400, 0.0)
        earn(
            round(RECENCY_POINTS * 0.5 ** (age / RECENCY_HALF_LIFE_DAYS), 2),
            f"{age:.0f} days old",
        )
        if self.implemented.get(entry.path):
            earn(DECISION_POINTS, "implemented by merge requests in the ledger")
        return Rank(round(score, 2), pinned, tuple(reasons))


def rank_entries(
    pairs: Iterable[Pair],
    *,
    chains: Sequence[Chain],
    decisions: Sequence[DecisionView],
    pins: Mapping[str, int],
    as_of: datetime,
) -> dict[str, Rank]:
    """Every entry's rank, by page path. ``pins``: item URL -> 1-based pin order;
    ``as_of``: the moment recency counts back from."""
    scorer = _Scorer(chains, decisions, pins, as_of)
    return {entry.path: scorer.rank((c, entry)) for c, entry in pairs}


def strongest(
    entries: Iterable[EvidenceEntry], ranks: Mapping[str, Rank], count: int
) -> tuple[EvidenceEntry, ...]:
    """The ``count`` strongest public entries, pins first."""
    public = [e for e in entries if not e.redacted]
    return tuple(sorted(public, key=lambda e: ranks[e.path].key(e))[:count])
