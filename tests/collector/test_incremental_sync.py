"""Incremental collection through the fake GitHub into a real store (SQLite and PostgreSQL).

Every test ends with the store exactly equal to the fake's world
(``assert_store_matches``), and asserts what each run asked GitHub for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collector.forges.base.signals import SignalSettings
from collector.model.records import Kind
from collector.store import Store
from collector.sync import SourceReport, collect_source
from tests.collector.conftest import MakeForge
from tests.fakes import github_payloads as payloads
from tests.fakes.github_api import FakeGitHub, LoggedRequest
from tests.fakes.github_expected import assert_store_matches, ref
from tests.fakes.github_world import FakePull, FakeRepo, GitHubWorld

Run = Callable[..., "Collected"]


@dataclass
class Collected:
    report: SourceReport
    requests: list[LoggedRequest]  # what this run asked the fake for

    def asked(self, suffix: str) -> list[LoggedRequest]:
        return [r for r in self.requests if r.path.endswith(suffix)]


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def run(store: Store, fake_github: FakeGitHub, make_forge: MakeForge) -> Run:
    """``run(**settings)``: one collection of the source into the store, like a night's build."""

    def collect(**settings: Any) -> Collected:
        settings.setdefault("users", ["dana-dev"])
        before = len(fake_github.requests)
        forge = make_forge(**settings)
        report = collect_source(forge, store, clock=now)
        return Collected(report, fake_github.requests[before:])

    return collect


# What every repository costs besides its changes, with the default rules: the
# signal lists asked on every run (deployments, workflows, one per incident label)
# and the ADR folders asked only after a push (each answers 404 here: there are none).
SETTINGS = SignalSettings()
SIGNAL_LISTS = 2 + len(SETTINGS.incident_labels)
ADR_FOLDERS = len({path.strip("/") for path in SETTINGS.adr_paths})


def file_lists(pulls: Iterable[FakePull]) -> int:
    """Requests for changed files: one per candidate (tagged ``evidence``, no category)."""
    return sum(1 for pull in pulls if "evidence" in pull.labels)


def newest_updated(repo: FakeRepo, count: int) -> list[FakePull]:
    """The first ``count`` pull requests of the newest-updated-first list."""
    return sorted(repo.pulls, key=lambda p: (p.updated_at, p.number), reverse=True)[:count]


def busy_repo(world: GitHubWorld, name: str = "dana-dev/ledger") -> FakeRepo:
    """250 pull requests (three pages), 30 commits, 120 releases and tags (two pages each)."""
    repo = world.add_repo(name, languages={"Python": 4096})
    for number in range(250):
        repo.add_pull(title=f"Change {number}", labels=["evidence"] if number % 9 == 0 else [])
    for number in range(30):
        repo.add_commit(f"Commit {number}")
    for number in range(120):
        repo.add_release(f"v1.{number}.0")
        repo.add_tag(f"v1.{number}.0")
    return repo


# -- a night with nothing new ---------------------------------------------------------------


def test_a_second_run_without_changes_costs_only_the_listing(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = busy_repo(github_world)
    first = run()
    assert_store_matches(store, fake_github)
    # Listing, languages, 3 pages of pulls and the candidates' files, commits,
    # 2 pages each of releases and tags, the signal lists and the ADR folders.
    first_cost = 1 + 1 + 3 + file_lists(repo.pulls) + 1 + 2 + 2 + SIGNAL_LISTS + ADR_FOLDERS
    assert first.report.rate_cost == len(first.requests) == first_cost
    rate_used = fake_github.rate_used

    second = run()

    assert_store_matches(store, fake_github)
    # Pull requests: page 1 alone says nothing changed (files reused, not asked).
    # Releases, tags: every page asked conditionally. Signal lists: page 1, 304.
    # Commits, languages, ADR folders: not asked, nothing was pushed.
    assert [(r.path.rsplit("/", 1)[-1], r.status, r.conditional) for r in second.requests] == [
        ("repos", 200, False),
        ("pulls", 304, True),
        ("releases", 304, True),
        ("releases", 304, True),
        ("tags", 304, True),
        ("tags", 304, True),
        ("deployments", 304, True),
        ("workflows", 304, True),
        *[("issues", 304, True)] * len(SETTINGS.incident_labels),
    ]
    assert fake_github.rate_used - rate_used == second.report.rate_cost == 1
    assert second.report.not_modified == 5 + SIGNAL_LISTS
    assert (second.report.item_totals.new, second.report.item_totals.updated) == (0, 0)


# -- a night with changes -------------------------------------------------------------------


def test_changes_are_read_down_to_the_cursor_and_nothing_else(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = busy_repo(github_world)
    run()
    old = repo.pulls[5]  # on the last page of the newest-updated-first list
    repo.update_pull(old, labels=["evidence:architecture"])  # a label change: no push
    repo.update_pull(repo.pulls[200], merged=True)
    repo.add_pull(title="Brand new")
    repo.add_commit("Fix the fix")
    repo.releases[3].body = "Edited notes"  # on page 2 of the releases
    repo.delete_tag("v1.7.0")
    repo.delete_release("v1.8.0")

    night = run()

    assert_store_matches(store, fake_github)
    pulls = night.asked("/pulls")
    assert [(r.query.get("page"), r.status) for r in pulls] == [(None, 200)]
    # Page 1 of the releases did not change (the edit and the deletion are on page 2).
    assert [r.status for r in night.asked("/releases")] == [304, 200]
    assert [r.status for r in night.asked("/tags")] == [200, 200]
    assert night.asked("/commits")[0].query["since"]  # only the recent commits
    assert night.report.items[Kind.MERGE_REQUEST].new == 1
    assert night.report.items[Kind.MERGE_REQUEST].updated == 2
    assert night.report.items_gone == 2  # the deleted tag and release
    assert store.gone_counts() == {"repositories": 0, "items": 2}


def test_a_deleted_item_that_comes_back_is_shown_again(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    repo.add_release("v1.0.0")
    repo.add_tag("v1.0.0")
    run()
    repo.delete_tag("v1.0.0")
    run()
    assert store.gone_counts()["items"] == 1
    assert_store_matches(store, fake_github)

    repo.add_tag("v1.0.0", sha=None)
    run()

    assert store.gone_counts()["items"] == 0
    assert_store_matches(store, fake_github)


def test_an_update_while_a_pass_is_stopped_is_caught_by_the_next_run(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = busy_repo(github_world)
    # Listing, languages, pulls pages 1 and 2 with their candidates' files: then spent.
    fake_github.rate_limit = 1 + 1 + 2 + file_lists(newest_updated(repo, 200))
    stopped = run()
    assert stopped.report.stopped is not None
    assert "(stopped at github:" in stopped.report.stopped
    cursor = store.sync_state(
        stopped.report.name, ref(fake_github, repo), Kind.MERGE_REQUEST, now=now()
    ).cursor
    assert cursor.current is not None and cursor.current.resume_url is not None

    # Before the next run, pull requests on pages not yet read change and move to page 1.
    for pull in repo.pulls[:3]:
        repo.update_pull(pull, title=f"{pull.title} (edited)")
    fake_github.rate_limit = 5000
    fake_github.reset_rate()
    resumed = run()

    # The pass went on from its last page; it did not start over.
    assert [r.query.get("page") for r in resumed.asked("/pulls")][:2] == ["2", "3"]
    assert resumed.report.stopped is None
    nightly = run()  # the edited pull requests are newer than the pass: read now
    assert [r.query.get("page") for r in nightly.asked("/pulls")] == [None]
    assert_store_matches(store, fake_github)


def test_a_pass_whose_last_page_shifted_too_far_starts_over(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = busy_repo(github_world)
    fake_github.rate_limit = 1 + 1 + 2 + file_lists(newest_updated(repo, 200))  # as above
    run()
    # Pull requests are never deleted on GitHub but by its staff; if that happens to
    # more than a page of them, the resumed page no longer joins up with the last one.
    repo.pulls = repo.pulls[:100] + repo.pulls[210:]
    fake_github.rate_limit = 5000
    fake_github.reset_rate()

    resumed = run()

    pages = [r.query.get("page") for r in resumed.asked("/pulls")]
    assert pages[0] == "2" and pages[1] is None  # checked the old page, then started over
    stored = {s.item.key for s in store.snapshot().items if s.item.kind is Kind.MERGE_REQUEST}
    assert {str(p.number) for p in repo.pulls} <= stored


# -- repositories that go away --------------------------------------------------------------


def test_a_moved_repository_is_collected_under_its_new_name_and_the_old_one_hidden(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = github_world.add_repo("dana-dev/old-name")
    repo.add_pull(title="Before the rename", labels=["evidence"])
    run()
    github_world.move_repo("dana-dev/old-name", "dana-dev/new-name")

    moved = run()

    assert_store_matches(store, fake_github)
    assert any("dana-dev/old-name moved to github:" in w for w in moved.report.warnings)
    assert store.gone_counts() == {"repositories": 1, "items": 0}  # items hidden with it


def test_a_repository_no_longer_listed_is_hidden_but_kept(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    keep = github_world.add_repo("dana-dev/keep")
    keep.add_pull(title="Stays")
    doomed = github_world.add_repo("dana-dev/doomed")
    doomed.add_pull(title="Goes")
    run()
    github_world.delete_repo("dana-dev/doomed")

    after = run()

    assert_store_matches(store, fake_github)
    assert any("dana-dev/doomed is no longer listed" in w for w in after.report.warnings)
    assert after.report.errors == []
    known = store.known_repositories(after.report.name)
    assert known[ref(fake_github, keep)].gone_reason is None
    assert "no longer listed" in (known[ref(fake_github, doomed)].gone_reason or "")


def test_an_incomplete_listing_flags_nothing(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    github_world.add_org("acme-corp")
    github_world.add_repo("acme-corp/api").add_pull(title="Org work")
    github_world.add_repo("dana-dev/ledger")
    run(orgs=["acme-corp"])
    fake_github.fail("/orgs/acme-corp/repos", 403, "Resource protected by organization SAML")

    refused = run(orgs=["acme-corp"])

    assert refused.report.warnings  # the refusal is reported ...
    assert store.gone_counts() == {"repositories": 0, "items": 0}  # ... and nothing hidden
    assert_store_matches(store, fake_github)


def test_a_repository_deleted_mid_run_is_flagged_gone(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    repo.add_pull(title="Work")
    run()
    # Deleted after the listing named it: its lists and the repository itself answer 404.
    fake_github.fail("/repos/dana-dev/ledger/pulls", 404)
    fake_github.fail("/repos/dana-dev/ledger", 404)

    vanished = run()

    assert vanished.report.errors == []
    assert any("not found (404)" in w for w in vanished.report.warnings)
    assert store.snapshot().repositories == ()
    assert store.snapshot().items == ()


def test_a_path_that_names_another_repository_starts_over(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    first = github_world.add_repo("dana-dev/app")
    first.add_pull(title="Old app work")
    run()
    github_world.delete_repo("dana-dev/app")
    second = github_world.add_repo("dana-dev/app")
    second.repo_id += 1  # a new repository under the same name: a new id
    second.add_pull(title="New app work", created_at=datetime(2023, 1, 1, tzinfo=UTC))

    again = run()

    assert_store_matches(store, fake_github)
    assert any("is now another repository" in w for w in again.report.warnings)
    # Its pull requests were read from the top again, not stopped at the old cursor.
    assert [r.query.get("page") for r in again.asked("/pulls")] == [None]
    assert not any(r.conditional for r in again.asked("/pulls"))


# -- commits ---------------------------------------------------------------------------------


def test_commits_come_from_a_week_before_the_last_one_seen(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    last = repo.add_commit("Last before the night", authored_at=datetime(2024, 3, 10, tzinfo=UTC))
    run()
    # A merge brings in a branch commit made two days before the last one stored.
    repo.add_commit("Branch work", authored_at=last.committed_at - timedelta(days=2))
    repo.add_commit("Merge branch", authored_at=datetime(2024, 3, 11, tzinfo=UTC))

    night = run()

    (listing,) = night.asked("/commits")
    assert listing.query["since"] == "2024-03-03T00:00:00Z"
    assert_store_matches(store, fake_github)


def test_a_listing_with_an_unreadable_repository_flags_nothing(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    repo.add_pull(title="Work")
    run()
    garbled = payloads.repository(repo, github_world, fake_github.urls)
    garbled["created_at"] = "the day before yesterday"
    fake_github.override("/users/dana-dev/repos", 200, [garbled], times=1)

    garbled_run = run()

    assert any("has unexpected data" in w for w in garbled_run.report.warnings)
    assert store.gone_counts() == {"repositories": 0, "items": 0}
    assert_store_matches(store, fake_github)
