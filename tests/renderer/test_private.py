"""Private work: listed after public work, summed up by stage and system."""

from __future__ import annotations

from dataclasses import replace

from renderer.private import distinct_private_titles, public_entries_first, summarise_private
from tests.renderer.builders import sample_inputs


def test_private_entries_move_behind_public_ones_keeping_each_order() -> None:
    entries = sample_inputs().model().entries
    ordered = public_entries_first(entries)
    flags = [e.redacted for e in ordered]
    assert flags == sorted(flags) and True in flags and False in flags
    assert [e for e in ordered if not e.redacted] == [e for e in entries if not e.redacted]
    assert [e for e in ordered if e.redacted] == [e for e in entries if e.redacted]


def test_the_summary_counts_by_stage_and_system_and_names_nothing_else() -> None:
    entries = sample_inputs().model().entries
    summary = summarise_private(entries)
    assert summary is not None
    assert summary.text == (
        "2 changes in private repositories: 1 in Deployment, 1 in Monitoring; 2 of OCM Brain."
    )
    one = summarise_private([e for e in entries if e.redacted][:1])
    assert one is not None and one.headline == "1 change in a private repository"
    assert summarise_private([e for e in entries if not e.redacted]) is None


def test_private_rows_that_would_read_the_same_are_numbered_oldest_first() -> None:
    inputs = sample_inputs()
    entry = next(e for e in inputs.model().entries if e.redacted)
    classified = inputs.classified[0]
    twin = replace(entry, path="items/private-000000000000.html")
    public = next(e for e in inputs.model().entries if not e.redacted)
    numbered = distinct_private_titles(
        ((classified, entry), (classified, public), (classified, twin))
    )
    titles = [e.title for _, e in numbered]
    assert titles == [f"{entry.title} (#2)", public.title, f"{entry.title} (#1)"]
