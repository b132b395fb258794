"""GitLab's request path (``GitLabClient``): conditional pages, the rate-limit reserve,
clean stops and retried faults, against the fake GitLab with python-gitlab unmodified.

Waits go to an injected ``sleep`` that records them; the clock is injected too,
so a reset "30 seconds from now" is exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from collector.forges.base.interface import RateLimitStop
from collector.forges.base.limits import Limits
from collector.forges.gitlab.client import GitLabClient, RawPage, RequestFailed
from collector.model.incremental import Validators
from config.models import GitLabSource
from tests.collector.conftest import GITLAB_TOKEN
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import FakeProject, GitLabWorld

NOW = datetime(2030, 5, 6, 7, 0, tzinfo=UTC).timestamp()

MakeClient = Callable[..., GitLabClient]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(fake_gitlab: FakeGitLab, sleeps: list[float]) -> Iterator[MakeClient]:
    """``make_client(retries=..., reserve=..., max_wait=..., **GitLabSource settings)``."""
    made: list[GitLabClient] = []

    def make(
        *,
        retries: int = 1,
        reserve: int = 0,
        max_wait: float = 60.0,
        collect_timeout: int = 30,
        **settings: Any,
    ) -> GitLabClient:
        config = GitLabSource(forge="gitlab", url=fake_gitlab.url, users=["dana"], **settings)
        limits = Limits(
            timeout=collect_timeout,
            retries=retries,
            rate_limit_reserve=reserve,
            max_rate_limit_wait=max_wait,
        )
        client = GitLabClient(
            config,
            GITLAB_TOKEN,
            source="gitlab-test",
            limits=limits,
            sleep=sleeps.append,
            wall_clock=lambda: NOW,
            random=lambda: 0.5,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def ledger(gitlab_world: GitLabWorld) -> FakeProject:
    """Five merge requests: three pages at two per page."""
    project = gitlab_world.add_project("dana/ledger")
    for number in range(5):
        project.add_merge_request(title=f"MR {number}")
    return project


def iids(page: RawPage) -> list[int]:
    return [entry["iid"] for entry in page.entries or []]


# -- pages and their URLs ---------------------------------------------------------------------


def test_offset_pages_follow_x_next_page_on_our_own_path(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient
) -> None:
    client = make_client(page_size=2)
    base = f"/projects/{ledger.id}/merge_requests"

    first_url = client.list_url(base, {"state": "all", "order_by": "updated_at"})
    first = client.page(first_url)
    second = client.page(first.next_url or "")
    third = client.page(second.next_url or "")

    assert first_url == f"{base}?state=all&order_by=updated_at&per_page=2"
    assert first.url == first_url
    assert first.next_url == f"{base}?state=all&order_by=updated_at&per_page=2&page=2"
    assert third.next_url is None
    assert [iids(first), iids(second), iids(third)] == [[5, 4], [3, 2], [1]]
    assert first.validators is not None and (first.validators.etag or "").startswith('W/"')
    assert [r.query.get("page") for r in fake_gitlab.requests] == [None, "2", "3"]


def test_keyset_pages_take_only_the_cursor_from_a_link_to_another_host(
    gitlab_world: GitLabWorld,
) -> None:
    for number in range(3):
        gitlab_world.add_project(f"dana/p{number}")
    # A misconfigured external_url: the Link names another host, which must not get the token.
    with FakeGitLab(gitlab_world, token=GITLAB_TOKEN, external_url="http://198.51.100.7") as fake:
        config = GitLabSource(forge="gitlab", url=fake.url, users=["dana"], page_size=2)
        client = GitLabClient(config, GITLAB_TOKEN, source="gitlab-test", limits=Limits())
        params = {"pagination": "keyset", "order_by": "id", "sort": "asc"}
        first = client.page(client.list_url("/users/dana/projects", params))
        second = client.page(first.next_url or "")
        client.close()

    assert first.next_url == (
        "/users/dana/projects?pagination=keyset&order_by=id&sort=asc&per_page=2&id_after=2"
    )
    assert [p["path"] for p in first.entries or []] == ["p0", "p1"]
    assert [p["path"] for p in second.entries or []] == ["p2"]
    assert second.next_url is None
    assert all(r.url_path.startswith("/api/v4/users/dana/projects") for r in fake.requests)


def test_repeated_keys_survive_the_round_trip_through_a_url(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_client: MakeClient
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    pipeline = project.add_pipeline(jobs=())
    for status in ("success", "failed", "running"):
        project.add_job(pipeline, f"deploy-{status}", status=status)
    client = make_client()

    url = client.list_url(f"/projects/{project.id}/jobs", {"scope[]": ("success", "failed")})
    page = client.page(url)

    assert url == f"/projects/{project.id}/jobs?scope%5B%5D=success&scope%5B%5D=failed&per_page=100"
    assert fake_gitlab.requests[-1].query_string == "scope[]=success&scope[]=failed&per_page=100"
    assert sorted(job["status"] for job in page.entries or []) == ["failed", "success"]


# -- conditional requests ---------------------------------------------------------------------


def test_an_unchanged_page_is_answered_304_and_still_costs_rate_limit(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient
) -> None:
    client = make_client(page_size=2)
    url = client.list_url(f"/projects/{ledger.id}/merge_requests", {"state": "all"})
    first = client.page(url)
    assert first.validators is not None

    again = client.page(url, first.validators)

    assert again.entries is None  # 304 Not Modified
    assert again.validators == first.validators
    assert again.next_url == first.next_url  # GitLab keeps the pagination headers on a 304
    assert (client.stats.requests, client.stats.not_modified, client.stats.rate_cost) == (2, 1, 2)
    assert fake_gitlab.rate_used == 2  # GitLab counts the 304 as well
    assert [(r.status, r.conditional) for r in fake_gitlab.requests] == [
        (200, False),
        (304, True),
    ]


def test_a_changed_page_answers_its_new_content_and_validators(
    ledger: FakeProject, make_client: MakeClient
) -> None:
    client = make_client(page_size=2)
    url = client.list_url(f"/projects/{ledger.id}/merge_requests", {"state": "all"})
    first = client.page(url)
    ledger.add_merge_request(title="Newest")

    again = client.page(url, first.validators)

    assert iids(again) == [6, 5]
    assert again.validators is not None and again.validators != first.validators
    assert client.stats.not_modified == 0


def test_get_sends_validators_and_answers_none_when_not_modified(
    ledger: FakeProject, make_client: MakeClient
) -> None:
    client = make_client()
    headers, project = client.get(f"/projects/{ledger.id}")
    validators = Validators.from_headers(headers)

    unchanged_headers, unchanged = client.get(f"/projects/{ledger.id}", validators=validators)

    assert project["path_with_namespace"] == "dana/ledger"
    assert unchanged is None and unchanged_headers["etag"] == headers["etag"]


# -- the rate-limit reserve -------------------------------------------------------------------


def test_the_reserve_waits_for_a_reset_that_is_near(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake_gitlab.rate_limit, fake_gitlab.rate_used = 10, 5
    fake_gitlab.rate_reset = int(NOW) + 30
    client = make_client(reserve=5, max_wait=60)

    client.get(f"/projects/{ledger.id}")  # 4 left: below the reserve of 5
    client.get(f"/projects/{ledger.id}/languages")

    assert sleeps == [31.0]  # until the reset, plus a second for clock skew
    assert client.stats.waited == 31.0
    assert len(fake_gitlab.requests) == 2


def test_the_reserve_stops_cleanly_when_the_reset_is_far(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake_gitlab.rate_limit, fake_gitlab.rate_used = 10, 5
    fake_gitlab.rate_reset = int(NOW) + 3600
    client = make_client(reserve=5, max_wait=60)
    client.get(f"/projects/{ledger.id}")

    with pytest.raises(RateLimitStop) as raised:
        client.get(f"/projects/{ledger.id}/languages")

    assert str(raised.value) == (
        "source gitlab-test: rate limit down to 4 requests (the reserve is 5), resets at "
        "08:00 UTC; stopped cleanly; the next run resumes where this one stopped"
    )
    assert raised.value.resets_at == datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
    assert sleeps == []
    assert len(fake_gitlab.requests) == 1  # the reserve is never touched


def test_a_429_beyond_max_wait_stops_cleanly(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake_gitlab.throttle(f"/projects/{ledger.id}", retry_after=600)
    client = make_client(retries=3, max_wait=120)

    with pytest.raises(RateLimitStop) as raised:
        client.get(f"/projects/{ledger.id}")

    assert "429, retry after 600 s; max_rate_limit_wait is 120 s" in str(raised.value)
    assert raised.value.resets_at == datetime(2030, 5, 6, 7, 10, tzinfo=UTC)
    assert sleeps == []
    assert client.stats.rate_cost == 1  # the 429 itself counted


# -- transient faults -------------------------------------------------------------------------


def test_a_body_cut_short_is_retried(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient, sleeps: list[float]
) -> None:
    path = f"/projects/{ledger.id}/merge_requests"
    fake_gitlab.truncate(path)  # half the body, while Content-Length promises all of it
    client = make_client(retries=2)

    page = client.page(client.list_url(path, {"state": "all"}))

    assert iids(page) == [5, 4, 3, 2, 1]
    assert sleeps == [0.75]  # half of one second, plus the jitter fixed at its middle
    assert (client.stats.requests, client.stats.retries) == (2, 1)


def test_malformed_json_on_a_200_is_retried_then_reported(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient, sleeps: list[float]
) -> None:
    path = f"/projects/{ledger.id}/merge_requests"
    cut = '[{"id": 1, "iid": 1, "title": "MR'  # a consistent length, but not JSON
    fake_gitlab.override(path, 200, cut, times=1, headers={"Content-Type": "application/json"})
    client = make_client(retries=1)

    assert iids(client.page(client.list_url(path, {}))) == [5, 4, 3, 2, 1]
    assert sleeps == [0.75]

    fake_gitlab.override(path, 200, cut, headers={"Content-Type": "application/json"})
    with pytest.raises(RequestFailed) as raised:
        client.page(client.list_url(path, {}))
    assert str(raised.value) == (
        f"source gitlab-test: {fake_gitlab.host} still answered truncated JSON after 1 "
        f"retries ({path}); rerun later"
    )
    assert raised.value.unreachable is False


def test_an_answer_that_hangs_past_the_timeout_is_retried(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient, sleeps: list[float]
) -> None:
    path = f"/projects/{ledger.id}"
    fake_gitlab.hang(path, 3.0)
    client = make_client(retries=1, timeout=0.5)
    started = time.monotonic()

    _, project = client.get(path)

    assert time.monotonic() - started < 3.0  # gave up on the hanging answer
    assert project["id"] == ledger.id
    assert sleeps == [0.75]
    assert [r.path for r in fake_gitlab.requests] == [path, path]


def test_without_a_timeout_of_its_own_a_source_waits_as_long_as_collect_says(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient
) -> None:
    path = f"/projects/{ledger.id}"
    fake_gitlab.hang(path, 3.0)
    client = make_client(retries=0, collect_timeout=1)  # [collect] timeout = 1

    with pytest.raises(RequestFailed, match=r"no answer within 1s"):
        client.get(path)


def test_a_server_error_that_lasts_is_reported_once_retries_are_spent(
    ledger: FakeProject, fake_gitlab: FakeGitLab, make_client: MakeClient, sleeps: list[float]
) -> None:
    path = f"/projects/{ledger.id}/releases"
    fake_gitlab.fail(path, 502)
    client = make_client(retries=2)

    with pytest.raises(RequestFailed) as raised:
        client.get(path)

    assert raised.value.problem == f"{fake_gitlab.host} still answered 502 after 2 retries ({path})"
    assert sleeps == [0.75, 1.5]
    assert [r.status for r in fake_gitlab.requests] == [502, 502, 502]
