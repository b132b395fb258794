"""The site model: what is surfaced, redacted, ordered and linked, before any template runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from collector.model.categories import Category
from collector.model.records import Item, Visibility
from core.errors import RenderError
from renderer.model import EvidenceEntry
from renderer.text import clean_line, http_url, slugify
from tests.renderer.builders import (
    PAYMENTS,
    SECRET,
    Inputs,
    commit,
    day,
    make_config,
    make_inputs,
    merge_request,
    release,
    repository,
    stored,
)


def entry_titled(inputs: Inputs, title: str) -> EvidenceEntry:
    [entry] = [e for e in inputs.model().entries if e.title == title]
    return entry


def test_entries_are_the_surfaced_items_newest_first(sample: Inputs) -> None:
    model = sample.model()
    surfaced = [c for c in sample.classified if c.classification.surfaced]
    assert len(model.entries) == len(surfaced) == 10
    dates = [e.event_at for e in model.entries]
    assert dates == sorted(dates, reverse=True)
    assert all(e.event_at.utcoffset() == timedelta(0) for e in model.entries)


def test_equal_dates_are_ordered_by_stable_key_whatever_the_input_order() -> None:
    repo = repository(PAYMENTS)
    items = [
        merge_request(PAYMENTS, n, f"MR {n}", labels=("evidence",), merged_at=day(1))
        for n in (3, 1, 2)
    ]
    forward = make_inputs(make_config(), [repo], [stored(i) for i in items])
    backward = make_inputs(make_config(), [repo], [stored(i) for i in reversed(items)])
    assert [e.reference for e in forward.model().entries] == ["#1", "#2", "#3"]
    assert forward.model() == backward.model()


def test_public_entry_carries_display_fields_and_provenance(sample: Inputs) -> None:
    entry = entry_titled(sample, "Move scoring to async workers")
    assert not entry.redacted
    assert entry.kind_label == "Merge request"
    assert entry.reference == "#42"
    assert entry.author == "dana-dev"
    assert entry.forge == "GitHub"
    assert entry.repository is not None and entry.repository.text == "acme-corp/payments-api"
    assert entry.source is not None
    assert entry.source.href == "https://github.com/acme-corp/payments-api/pull/42"
    assert entry.collected_at == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)  # first collected
    assert entry.event_label == "Merged" and entry.event_at == day(10)
    assert [s.slug for s in entry.systems] == ["ocm-brain"]
    assert [(c.stage.category, c.reasons) for c in entry.categories] == [
        (Category.ARCHITECTURE, ("label 'evidence:architecture'",))
    ]
    assert re.fullmatch(r"items/payments-api-mr-42-[0-9a-f]{6}\.html", entry.path)


def test_each_kind_gets_its_label_and_reference(sample: Inputs) -> None:
    by_kind = {(e.kind_label, e.reference) for e in sample.model().entries if not e.redacted}
    assert ("Commit", "0123456") in by_kind
    assert ("Release", "v1.9.0-rc1") in by_kind
    assert ("Merge request", "!7") in by_kind  # GitLab writes merge requests as !iid
    prerelease = entry_titled(sample, "v1.9.0-rc1")
    assert prerelease.state == "pre-release"
    assert re.fullmatch(r"items/payments-api-release-v1-9-0-rc1-[0-9a-f]{6}\.html", prerelease.path)


def test_private_entries_hold_nothing_but_kind_date_stage_and_system(sample: Inputs) -> None:
    redacted = [e for e in sample.model().entries if e.redacted]
    assert {e.title for e in redacted} == {
        "Merge request in a private repository",
        "Commit in a private repository",
    }
    for entry in redacted:
        hidden = (entry.reference, entry.author, entry.repository, entry.forge, entry.source)
        assert hidden == (None,) * 5
        assert (entry.body, entry.branches, entry.collected_at, entry.state) == (None,) * 4
        assert entry.labels == ()
        assert [s.slug for s in entry.systems] == ["ocm-brain"]
        assert re.fullmatch(r"items/private-[0-9a-f]{12}\.html", entry.path)
    # The rule is named; the label or trailer text that matched is not.
    reasons = {e.kind_label: [r for c in e.categories for r in c.reasons] for e in redacted}
    assert reasons == {
        "Merge request": ["tagged as evidence by the owner"],
        "Commit": ["tagged as evidence by the owner (commit trailer)"],
    }
    merge = next(e for e in redacted if e.kind_label == "Merge request")
    assert [c.stage.category for c in merge.categories] == [Category.DEPLOYMENT]


def test_an_item_of_an_unknown_repository_is_redacted_too() -> None:
    item = merge_request(PAYMENTS, 5, "Orphan", labels=("evidence",), merged_at=day(1))
    inputs = make_inputs(make_config(), [], [stored(item)])
    [entry] = inputs.model().entries
    assert entry.redacted and entry.title == "Merge request in a private repository"


def test_internal_repositories_count_as_private() -> None:
    repo = repository(PAYMENTS, visibility=Visibility.INTERNAL)
    item = merge_request(PAYMENTS, 5, "Internal work", labels=("evidence",), merged_at=day(1))
    [entry] = make_inputs(make_config(), [repo], [stored(item)]).model().entries
    assert entry.redacted and entry.reference is None


def test_systems_count_evidence_pick_the_release_and_sum_the_stack(sample: Inputs) -> None:
    ocm, notebook = sample.model().systems
    assert (ocm.name, ocm.evidence_count, ocm.latest_version) == ("OCM Brain", 9, "v1.8.0")
    assert ocm.stack == ("Python", "HCL", "Go", "Shell")
    # The private repository is in the system's config but never named.
    assert [link.text for link in ocm.repositories] == [
        "acme-corp/payments-api",
        "platform-team/infra/terraform-modules",
    ]
    assert (notebook.evidence_count, notebook.latest_version) == (1, None)


def test_a_private_release_never_becomes_a_system_version() -> None:
    config = make_config([{"name": "S", "slug": "s", "repos": ["github:acme-corp/secret-merger"]}])
    private = repository(SECRET, visibility=Visibility.PRIVATE)
    inputs = make_inputs(config, [private], [stored(release(SECRET, "v3.0.0", day(3)))])
    [system] = inputs.model().systems
    assert system.latest_version is None and system.repositories == ()


def test_system_repositories_match_case_insensitively() -> None:
    config = make_config([{"name": "S", "slug": "s", "repos": ["github:ACME-Corp/Payments-API"]}])
    inputs = make_inputs(
        config, [repository(PAYMENTS)], [stored(release(PAYMENTS, "v1.0.0", day(1)))]
    )
    [system] = inputs.model().systems
    assert (system.evidence_count, system.latest_version) == (1, "v1.0.0")


def test_public_repositories_skip_forks_and_private_and_sort_by_push(sample: Inputs) -> None:
    names = [r.name for r in sample.model().repositories]
    assert names == [
        "acme-corp/payments-api",
        "dana-dev/notebook",
        "platform-team/infra/terraform-modules",
    ]
    payments = sample.model().repositories[0]
    assert payments.languages == ("Python", "Go", "Shell")
    assert payments.topics == ("fastapi", "payments")
    assert payments.link.href == "https://github.com/acme-corp/payments-api"


def test_sections_follow_the_trail_and_keep_three_newest(sample: Inputs) -> None:
    sections = sample.model().categories
    assert [s.stage.category for s in sections] == list(Category)
    assert [s.stage.number for s in sections] == [1, 2, 3, 4]
    deployment = sections[2]
    assert deployment.count == 5
    assert deployment.newest == deployment.entries[:3]


def test_unsafe_urls_become_text(sample: Inputs) -> None:
    bad = merge_request(
        PAYMENTS, 9, "Bad link", labels=("evidence",), url="javascript:alert(1)", merged_at=day(1)
    )
    inputs = make_inputs(make_config(), [repository(PAYMENTS)], [stored(bad)])
    [entry] = inputs.model().entries
    assert entry.source is not None
    assert (entry.source.text, entry.source.href) == ("javascript:alert(1)", None)


def test_build_time_must_be_timezone_aware(sample: Inputs) -> None:
    with pytest.raises(RenderError, match="timezone-aware"):
        sample.model(generated_at=datetime(2025, 3, 1, 3, 0))


def test_the_same_item_twice_is_refused() -> None:
    item: Item = commit(PAYMENTS, "ab" * 20, "fix\n\nEvidence: monitoring", day(1))
    inputs = make_inputs(make_config(), [repository(PAYMENTS)], [stored(item), stored(item)])
    with pytest.raises(RenderError, match="twice"):
        inputs.model()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/a/b/pull/1", "https://github.com/a/b/pull/1"),
        ("HTTP://example.com/x", "HTTP://example.com/x"),
        ("javascript:alert(1)", None),
        (" https://example.com", None),
        ("https://exa\tmple.com", None),
        ("data:text/html,x", None),
        ("//example.com/x", None),
        ("/relative/path", None),
        ("https://", None),
        ("https://exämple.com", None),
        ("https://oauth2:glpat-secret@gitlab.example.com/a/b", None),
    ],
)
def test_http_url_accepts_only_plain_absolute_http_urls(url: str, expected: str | None) -> None:
    assert http_url(url) == expected


def test_credentials_in_a_record_url_are_neither_linked_nor_shown() -> None:
    url = "https://oauth2:glpat-secret@gitlab.example.com/g/p/-/merge_requests/3"
    item = merge_request(PAYMENTS, 3, "Leaky", labels=("evidence",), url=url, merged_at=day(1))
    [entry] = make_inputs(make_config(), [repository(PAYMENTS)], [stored(item)]).model().entries
    assert entry.source is not None
    assert entry.source.href is None
    assert entry.source.text == "https://gitlab.example.com/g/p/-/merge_requests/3"


def test_clean_line_removes_invisibles_and_cuts_long_text() -> None:
    assert clean_line("in\u202evoice\u200b\n  name\x00") == "invoice name"
    cut = clean_line("x" * 500, 10)
    assert cut == "x" * 9 + "…" and len(cut) == 10
    assert clean_line("👩\u200d💻") == "👩\u200d💻"  # joiners inside emoji stay


def test_slugify_keeps_only_lowercase_ascii() -> None:
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Café <Ünïcode>") == "cafe-unicode"
    assert slugify("日本語", fallback="repo") == "repo"
    assert slugify("a" * 100, limit=40) == "a" * 40
