"""Highlights: pins first in the owner's order, then how much an item proves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from config.rules import OverrideConfig
from renderer.model import EvidenceEntry, Rank, SiteModel
from renderer.ranking import strongest
from tests.renderer.builders import BUILT_AT, Inputs


def _entry(model: SiteModel, title: str) -> EvidenceEntry:
    [entry] = [e for e in model.entries if e.title == title]
    return entry


def _url(inputs: Inputs, title: str) -> str:
    [item] = [c.item for c in inputs.classified if c.item.title == title]
    return item.url


def test_a_change_followed_into_a_release_outranks_a_newer_one_that_was_not(
    sample: Inputs,
) -> None:
    model = sample.model()
    shipped = model.ranks[_entry(model, "Document the retry budget").path]
    newer = _entry(model, "Alert on import failures")
    assert newer.event_at > _entry(model, "Document the retry budget").event_at
    assert shipped.score > model.ranks[newer.path].score
    assert "shipped in a release: +2" in shipped.reasons
    assert "merged: +1" in shipped.reasons


def test_the_owners_pins_come_first_in_the_order_of_their_overrides(sample: Inputs) -> None:
    pins = ("Write down the storage decision", "Alert on import failures")
    overrides = tuple(OverrideConfig(url=_url(sample, title), pin=True) for title in pins)
    pinned = replace(sample, config=sample.config.model_copy(update={"overrides": overrides}))
    model = pinned.model()
    first, second = (model.ranks[_entry(model, t).path] for t in pins)
    assert (first.pinned, second.pinned) == (1, 2)
    assert "pinned by the owner (1st pin)" in first.reasons
    everything = strongest(model.entries, model.ranks, 3)
    assert [e.title for e in everything[:2]] == list(pins)
    # Unpinned, the storage decision (no chain, oldest) would not lead.
    plain = sample.model()
    assert strongest(plain.entries, plain.ranks, 1)[0].title != pins[0]


def test_recency_counts_but_never_outweighs_a_complete_chain(sample: Inputs) -> None:
    later = sample.model(BUILT_AT + timedelta(days=720))
    shipped = later.ranks[_entry(later, "Move scoring to async workers").path]
    unshipped = later.ranks[_entry(later, "Alert on import failures").path]
    assert shipped.score > unshipped.score
    now = sample.model()
    assert now.ranks[_entry(now, "Alert on import failures").path].score > unshipped.score, (
        "the same item proves less the older it gets"
    )


def test_private_work_is_never_a_highlight_and_ties_go_to_the_newest(sample: Inputs) -> None:
    model = sample.model()
    top = strongest(model.entries, {e.path: Rank(1.0, None, ()) for e in model.entries}, 20)
    assert top and not any(e.redacted for e in top)
    dates = [e.event_at for e in top]
    assert dates == sorted(dates, reverse=True)


def test_nightly_builds_within_a_month_keep_the_same_ranks(sample: Inputs) -> None:
    first = sample.model(BUILT_AT)
    later = sample.model(BUILT_AT + timedelta(days=20))  # still the same month
    assert first.ranks == later.ranks
    next_month = sample.model(BUILT_AT + timedelta(days=40))
    assert first.ranks != next_month.ranks  # recency moves with the month
