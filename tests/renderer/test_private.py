"""Private work: listed after public work, summed up by stage and system."""

from __future__ import annotations

from renderer.private import public_entries_first, summarise_private
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
