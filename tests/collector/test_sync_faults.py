"""Faults injected at the HTTP level, with PyGithub unmodified in between.

Each test ends with the store exactly equal to the fake's world: a fault may
cost a retry, a wait or a second run, never an item.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from collector.model.records import Kind
from collector.store import Store
from collector.sync import SourceReport, collect_source
from tests.collector.conftest import MakeForge
from tests.fakes.github_api import FakeGitHub, LoggedRequest
from tests.fakes.github_expected import assert_items_match, assert_store_matches, ref
from tests.fakes.github_world import FakeRepo, GitHubWorld

SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
PULLS = "/repos/dana-dev/ledger/pulls"


@dataclass
class Collected:
    report: SourceReport
    requests: list[LoggedRequest]

    def statuses(self, path: str) -> list[int]:
        return [r.status for r in self.requests if r.path == path]


Run = Callable[..., Collected]


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def run(store: Store, fake_github: FakeGitHub, make_forge: MakeForge) -> Run:
    def collect(**settings: Any) -> Collected:
        settings.setdefault("users", ["dana-dev"])
        before = len(fake_github.requests)
        report = collect_source(make_forge(**settings), store, clock=now)
        return Collected(report, fake_github.requests[before:])

    return collect


@pytest.fixture
def ledger(github_world: GitHubWorld) -> FakeRepo:
    """Two pages of pull requests, some commits, a release and a tag."""
    repo = github_world.add_repo("dana-dev/ledger", languages={"Go": 900})
    for number in range(150):
        repo.add_pull(title=f"Change {number}", labels=["evidence"] if number % 10 == 0 else [])
    for number in range(5):
        repo.add_commit(f"Commit {number}")
    repo.add_release("v1.0.0")
    repo.add_tag("v1.0.0")
    return repo


# -- transient faults are retried ----------------------------------------------------------


def test_server_errors_are_retried_with_backoff_and_jitter(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run, github_sleeps: list[float]
) -> None:
    fake_github.fail(PULLS, 502, times=2)

    result = run(retries=3)

    assert result.statuses(PULLS) == [502, 502, 200, 200]
    # Exponential (1 s, 2 s) with the random half fixed at 0.5 by the fixture.
    assert github_sleeps == [0.75, 1.5]
    assert result.report.retries == 2 and result.report.errors == []
    assert_store_matches(store, fake_github)


def test_an_answer_that_hangs_past_the_timeout_is_retried(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    fake_github.hang(PULLS, 3.0, query={"page": "2"})
    started = time.monotonic()

    result = run(timeout=1, retries=2)

    assert time.monotonic() - started < 3.0  # gave up on the hanging answer after 1 s
    assert [r.query.get("page") for r in result.requests if r.path == PULLS] == [None, "2", "2"]
    assert result.report.retries == 1
    assert_store_matches(store, fake_github)


def test_a_reset_connection_is_retried(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    fake_github.reset(PULLS)

    result = run(retries=2)

    assert result.statuses(PULLS) == [0, 200, 200]  # 0: the connection was reset
    assert result.report.retries == 1
    assert_store_matches(store, fake_github)


def test_a_truncated_body_is_retried(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    fake_github.truncate(PULLS, query={"page": "2"})

    result = run(retries=2)

    assert [r.query.get("page") for r in result.requests if r.path == PULLS] == [None, "2", "2"]
    assert result.report.retries == 1
    assert_store_matches(store, fake_github)


# -- faults that last --------------------------------------------------------------------------


def test_a_repository_that_keeps_failing_is_skipped_and_recorded_while_the_rest_completes(
    github_world: GitHubWorld, ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    other = github_world.add_repo("dana-dev/notes")
    other.add_pull(title="Notes work", labels=["evidence"])
    fake_github.fail(PULLS, 502)

    first = run(retries=1)
    second = run(retries=1)

    for result, runs in ((first, ""), (second, " (failing 2 runs in a row)")):
        (error,) = result.report.errors
        assert error == (
            f"source {result.report.name}: dana-dev/ledger: {result.report.name} still "
            f"answered 502 after 1 retries; skipped, its stored items are kept{runs}"
        )
        assert not result.report.failed
    state = store.sync_state(
        first.report.name, ref(fake_github, ledger), Kind.MERGE_REQUEST, now=now()
    )
    assert state.cursor.failures == 2
    assert state.cursor.last_error and "502" in state.cursor.last_error
    assert_items_match(store, fake_github, [other])  # the rest was collected

    fake_github.clear_faults()
    healed = run(retries=1)

    assert healed.report.errors == []
    assert_store_matches(store, fake_github)
    healed_state = store.sync_state(
        first.report.name, ref(fake_github, ledger), Kind.MERGE_REQUEST, now=now()
    )
    assert healed_state.cursor.failures == 0


def test_repositories_failing_one_after_another_end_the_source_for_this_run(
    github_world: GitHubWorld, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    for name in ("a", "b", "c", "d"):
        github_world.add_repo(f"dana-dev/{name}").add_pull(title=f"work in {name}")
        fake_github.fail(f"/repos/dana-dev/{name}/pulls", 503)

    result = run(retries=0)

    assert result.report.failed
    assert result.report.errors[-1].endswith(
        "3 repositories in a row failed (see above); the rest of this source is left for the "
        "next run"
    )
    assert "/repos/dana-dev/d/pulls" not in [r.path for r in result.requests]


# -- rate limits ---------------------------------------------------------------------------------


def test_a_primary_limit_that_resets_soon_is_waited_out(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    fake_github.rate_limit = 3  # the listing, the languages, page 1 of the pull requests
    fake_github.rate_reset = int(time.time()) + 20
    waits: list[float] = []

    def wait_for_reset(seconds: float) -> None:
        waits.append(seconds)
        fake_github.rate_limit = 5000  # the reset comes while we sleep: a new hour's budget
        fake_github.reset_rate()

    result = run(sleep=wait_for_reset, max_wait=60)

    (waited,) = waits
    assert 15 <= waited <= 22
    assert result.report.stopped is None and result.report.errors == []
    assert all(r.status != 403 for r in result.requests)  # stopped before being refused
    assert_store_matches(store, fake_github)


def test_a_primary_limit_that_resets_too_late_stops_cleanly_and_the_next_run_resumes(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    fake_github.rate_limit = 3

    stopped = run(max_wait=60)

    assert stopped.report.stopped is not None
    assert stopped.report.stopped.startswith("rate limit exhausted, resets at 12:34 UTC")
    assert "(stopped at github:" in stopped.report.stopped
    assert not stopped.report.failed and len(stopped.report.errors) == 1  # partial
    fake_github.rate_limit = 5000
    fake_github.reset_rate()

    resumed = run(max_wait=60)

    assert resumed.report.stopped is None
    assert [r.query.get("page") for r in resumed.requests if r.path == PULLS] == [None, "2"]
    assert_store_matches(store, fake_github)


def test_the_reserve_is_left_untouched(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run
) -> None:
    fake_github.rate_limit = 10

    stopped = run(reserve=7, max_wait=60)

    assert len(stopped.requests) == 3  # 10 - 3 = 7 left: the reserve
    assert stopped.report.stopped is not None
    assert "rate limit down to 7 requests (the reserve is 7)" in stopped.report.stopped


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_limit_is_obeyed_for_as_long_as_github_asks(
    ledger: FakeRepo,
    fake_github: FakeGitHub,
    store: Store,
    run: Run,
    github_sleeps: list[float],
    status: int,
) -> None:
    fake_github.fail(PULLS, status, SECONDARY, times=1, headers={"Retry-After": "7"})

    result = run()

    assert result.statuses(PULLS) == [status, 200, 200]
    assert github_sleeps == [7.0]
    assert result.report.errors == []
    assert_store_matches(store, fake_github)


def test_a_secondary_limit_without_retry_after_waits_a_minute(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run, github_sleeps: list[float]
) -> None:
    fake_github.fail(PULLS, 403, SECONDARY, times=1)

    run(max_wait=120)

    assert github_sleeps == [60.0]
    assert_store_matches(store, fake_github)


def test_a_secondary_limit_asking_too_long_a_wait_stops_cleanly(
    ledger: FakeRepo, fake_github: FakeGitHub, store: Store, run: Run, github_sleeps: list[float]
) -> None:
    fake_github.fail(PULLS, 403, SECONDARY, times=1, headers={"Retry-After": "3600"})

    stopped = run(max_wait=60)
    resumed = run(max_wait=60)

    assert github_sleeps == []
    assert stopped.report.stopped is not None
    assert (
        stopped.report.stopped.startswith("secondary rate limit: 127.0.0.1:")
        and "asks to wait 3600 s (max_rate_limit_wait is 60 s)" in stopped.report.stopped
    )
    assert resumed.report.stopped is None
    assert_store_matches(store, fake_github)
