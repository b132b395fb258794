"""Faults injected at the HTTP level of the fake GitLab, with python-gitlab unmodified.

The GitLab twin of ``test_sync_faults``: each test ends with the store exactly
equal to the fake's world. A fault may cost a retry, a wait or a second run,
never an item.
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
from tests.collector.conftest import MakeGitLabForge
from tests.fakes.gitlab_api import FakeGitLab, LoggedRequest
from tests.fakes.gitlab_expected import assert_items_match, assert_store_matches, ref
from tests.fakes.gitlab_world import FakeProject, GitLabWorld

TOKEN_ENV = "EVIDENCE_GITLAB_TOKEN"


@dataclass
class Collected:
    report: SourceReport
    requests: list[LoggedRequest]

    def statuses(self, path: str) -> list[int]:
        return [r.status for r in self.requests if r.path == path]

    def pages(self, path: str) -> list[str | None]:
        return [r.query.get("page") for r in self.requests if r.path == path]


Run = Callable[..., Collected]


def now() -> datetime:
    return datetime.now(UTC)


def merge_requests(project: FakeProject) -> str:
    return f"/projects/{project.id}/merge_requests"


@pytest.fixture
def run(store: Store, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge) -> Run:
    def collect(**settings: Any) -> Collected:
        settings.setdefault("users", ["dana"])
        settings.setdefault("token_env", TOKEN_ENV)
        before = len(fake_gitlab.requests)
        report = collect_source(make_gitlab(**settings), store, clock=now)
        return Collected(report, fake_gitlab.requests[before:])

    return collect


@pytest.fixture
def ledger(gitlab_world: GitLabWorld) -> FakeProject:
    """Two pages of merge requests, some commits, a release and a tag."""
    project = gitlab_world.add_project("dana/ledger", languages={"Go": 100.0})
    for number in range(150):
        project.add_merge_request(
            title=f"Change {number}",
            labels=["evidence::deployment"] if number % 10 == 0 else [],
            state="merged" if number % 3 else "opened",
        )
    for number in range(5):
        project.add_commit(f"Commit {number}")
    project.add_tag("v1.0.0", message="First")
    project.add_release("v1.0.0")
    return project


# -- transient faults are retried ----------------------------------------------------------


def test_server_errors_are_retried_with_backoff_and_jitter(
    ledger: FakeProject,
    fake_gitlab: FakeGitLab,
    store: Store,
    run: Run,
    gitlab_sleeps: list[float],
) -> None:
    fake_gitlab.fail(merge_requests(ledger), 502, times=2)

    result = run(retries=3)

    assert result.statuses(merge_requests(ledger)) == [502, 502, 200, 200]
    # Exponential (1 s, 2 s) with the random half fixed at 0.5 by the fixture.
    assert gitlab_sleeps == [0.75, 1.5]
    assert result.report.retries == 2 and result.report.errors == []
    assert_store_matches(store, fake_gitlab)


def test_an_answer_that_hangs_past_the_timeout_is_retried(
    ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    fake_gitlab.hang(merge_requests(ledger), 3.0, query={"page": "2"})
    started = time.monotonic()

    result = run(timeout=1, retries=2)

    assert time.monotonic() - started < 3.0  # gave up on the hanging answer after 1 s
    assert result.pages(merge_requests(ledger)) == [None, "2", "2"]
    assert result.report.retries == 1 and result.report.errors == []
    assert_store_matches(store, fake_gitlab)


def test_a_reset_connection_is_retried(
    ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    fake_gitlab.reset(merge_requests(ledger))

    result = run(retries=2)

    assert result.statuses(merge_requests(ledger)) == [0, 200, 200]  # 0: the connection reset
    assert result.report.retries == 1 and result.report.errors == []
    assert_store_matches(store, fake_gitlab)


def test_a_truncated_body_is_retried(
    ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    fake_gitlab.truncate(merge_requests(ledger), query={"page": "2"})

    result = run(retries=2)

    assert result.pages(merge_requests(ledger)) == [None, "2", "2"]
    assert result.report.retries == 1 and result.report.errors == []
    assert_store_matches(store, fake_gitlab)


# -- faults that last --------------------------------------------------------------------------


def test_a_project_that_keeps_failing_is_skipped_and_recorded_while_the_rest_completes(
    gitlab_world: GitLabWorld, ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    notes = gitlab_world.add_project("dana/notes")
    notes.add_merge_request(title="Notes work", labels=["evidence::docs"], state="merged")
    fake_gitlab.fail(merge_requests(ledger), 502)

    first = run(retries=1)
    second = run(retries=1)

    for result, runs in ((first, ""), (second, " (failing 2 runs in a row)")):
        (error,) = result.report.errors
        assert error == (
            f"source {result.report.name}: dana/ledger: {fake_gitlab.host} still answered 502 "
            f"after 1 retries ({merge_requests(ledger)}); skipped, its stored items are kept"
            f"{runs}"
        )
        assert not result.report.failed
    state = store.sync_state(
        first.report.name, ref(fake_gitlab, ledger), Kind.MERGE_REQUEST, now=now()
    )
    assert state.cursor.failures == 2
    assert state.cursor.last_error and "502" in state.cursor.last_error
    assert_items_match(store, fake_gitlab, [notes])  # the rest was collected

    fake_gitlab.clear_faults()
    healed = run(retries=1)

    assert healed.report.errors == []
    assert_store_matches(store, fake_gitlab)
    healed_state = store.sync_state(
        first.report.name, ref(fake_gitlab, ledger), Kind.MERGE_REQUEST, now=now()
    )
    assert healed_state.cursor.failures == 0


def test_projects_failing_one_after_another_end_the_source_for_this_run(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    projects = [gitlab_world.add_project(f"dana/{name}") for name in ("a", "b", "c", "d")]
    for project in projects:
        project.add_merge_request(title=f"work in {project.path}")
        fake_gitlab.fail(merge_requests(project), 503)

    result = run(retries=0)

    assert result.report.failed
    assert result.report.errors[-1].endswith(
        "3 repositories in a row failed (see above); the rest of this source is left for the "
        "next run"
    )
    assert merge_requests(projects[-1]) not in [r.path for r in result.requests]

    fake_gitlab.clear_faults()
    healed = run(retries=0)

    assert healed.report.errors == [] and not healed.report.failed
    assert_store_matches(store, fake_gitlab)


def test_a_rejected_token_fails_its_source_only_and_loses_nothing(
    gitlab_world: GitLabWorld, ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    gitlab_world.add_group("acme")
    gitlab_world.add_project("acme/site").add_merge_request(title="Site work")
    revoked = "glpat-revokedToken000000000000"

    first = run(name="mine")
    other = run(name="acme", groups=["acme"], users=[], token=revoked, token_env="ACME_TOKEN")
    again = run(name="mine")  # the other source of the same store still completes
    refused = run(name="mine", token=revoked)  # then this one's token is revoked too

    for result, env in ((other, "ACME_TOKEN"), (refused, TOKEN_ENV)):
        assert result.report.failed
        (error,) = result.report.errors
        assert f"rejected the token in {env} (401 Unauthorized)" in error
        assert revoked not in error
        assert [r.status for r in result.requests] == [401]  # nothing more is asked
    for result in (first, again):
        assert result.report.errors == [] and not result.report.failed
    # Everything the earlier runs stored is still there, and nothing from the refused source.
    assert_store_matches(store, fake_gitlab, [ledger], source="mine")
    assert {r.source for r in store.snapshot().repositories} == {"mine"}


# -- rate limits ---------------------------------------------------------------------------------


def test_a_primary_limit_that_resets_soon_is_waited_out(
    ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    # The listing, the languages, page 1 of the merge requests: then down to the reserve.
    fake_gitlab.rate_limit = 3 + 5
    fake_gitlab.rate_reset = int(time.time()) + 20
    waits: list[float] = []

    def wait_for_reset(seconds: float) -> None:
        waits.append(seconds)
        assert len(fake_gitlab.requests) == 3  # the reserve is left untouched
        fake_gitlab.rate_limit = 2000  # the reset comes while we sleep: a new period's budget
        fake_gitlab.reset_rate()

    result = run(sleep=wait_for_reset, max_wait=60, reserve=5)

    (waited,) = waits
    assert 15 <= waited <= 22
    assert result.report.stopped is None and result.report.errors == []
    assert all(r.status != 429 for r in result.requests)  # waited before being refused
    assert result.pages(merge_requests(ledger)) == [None, "2"]
    assert_store_matches(store, fake_gitlab)


def test_a_primary_limit_that_resets_too_late_stops_cleanly_and_the_next_run_resumes(
    ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    fake_gitlab.rate_limit = 3

    stopped = run(max_wait=60, reserve=0)

    assert stopped.report.stopped is not None
    assert stopped.report.stopped.startswith("rate limit exhausted, resets at 12:34 UTC")
    assert f"(stopped at gitlab:{fake_gitlab.host}/dana/ledger" in stopped.report.stopped
    assert not stopped.report.failed and len(stopped.report.errors) == 1  # partial
    assert all(r.status != 429 for r in stopped.requests)  # stopped before being refused
    fake_gitlab.rate_limit = 2000
    fake_gitlab.reset_rate()

    resumed = run(max_wait=60, reserve=0)

    assert resumed.report.stopped is None and resumed.report.errors == []
    # Page 1 again (the committed cursor's page, to check it joins up), then on.
    assert resumed.pages(merge_requests(ledger)) == [None, "2"]
    assert_store_matches(store, fake_gitlab)


def test_the_reserve_is_left_untouched(
    ledger: FakeProject, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    fake_gitlab.rate_limit = 10

    stopped = run(reserve=7, max_wait=60)

    assert len(stopped.requests) == 3  # 10 - 3 = 7 left: the reserve
    assert stopped.report.stopped is not None
    assert "rate limit down to 7 requests (the reserve is 7)" in stopped.report.stopped
    fake_gitlab.rate_limit = 2000
    fake_gitlab.reset_rate()

    resumed = run(reserve=7, max_wait=60)

    assert resumed.report.stopped is None and resumed.report.errors == []
    assert_store_matches(store, fake_gitlab)


def test_a_429_is_obeyed_for_as_long_as_retry_after_says(
    ledger: FakeProject,
    fake_gitlab: FakeGitLab,
    store: Store,
    run: Run,
    gitlab_sleeps: list[float],
) -> None:
    fake_gitlab.throttle(merge_requests(ledger), retry_after=7)

    result = run()

    assert result.statuses(merge_requests(ledger)) == [429, 200, 200]
    assert gitlab_sleeps == [7.0]
    assert result.report.errors == [] and result.report.stopped is None
    assert_store_matches(store, fake_gitlab)


def test_a_429_asking_too_long_a_wait_stops_cleanly_and_the_next_run_completes(
    ledger: FakeProject,
    fake_gitlab: FakeGitLab,
    store: Store,
    run: Run,
    gitlab_sleeps: list[float],
) -> None:
    fake_gitlab.throttle(merge_requests(ledger), retry_after=3600)

    stopped = run(max_wait=60)
    resumed = run(max_wait=60)

    assert gitlab_sleeps == []
    assert stopped.report.stopped is not None and not stopped.report.failed
    assert stopped.report.stopped.startswith(
        f"{fake_gitlab.host} is rate limiting this token (429, retry after 3600 s; "
        "max_rate_limit_wait is 60 s)"
    )
    assert resumed.report.stopped is None and resumed.report.errors == []
    assert_store_matches(store, fake_gitlab)
