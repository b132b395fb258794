"""How the GitLab source fails: one clear line for the whole source, or a warning and go on.

Failures are produced by the fake GitLab at the HTTP level; python-gitlab runs
unmodified between it and the source. Waits go to an injected ``sleep`` that
records them (``gitlab_sleeps``), so retry tests take no time.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from collector.forges.base.interface import ListUnavailable, RateLimitStop, RepositoryUnavailable
from collector.forges.base.limits import Limits
from collector.forges.gitlab.forge import GitLabForge
from collector.model.records import Kind
from config.models import GitLabSource
from core.errors import ExitCode, SourceError
from tests.collector.conftest import GITLAB_TOKEN, MakeGitLabForge
from tests.collector.reading import full_read, listed
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

# -- the whole source fails ---------------------------------------------------------------


def test_a_bad_token_names_the_variable_and_never_the_token(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_project("dana/ledger")
    wrong = "glpat-revokedTokenValue987654321"
    forge = make_gitlab(users=["dana"], token=wrong, token_env="CORP_GITLAB_TOKEN")

    with pytest.raises(SourceError) as raised:
        list(listed(forge))

    message = str(raised.value)
    assert message == (
        f"source {fake_gitlab.host}: {fake_gitlab.host} rejected the token in "
        "CORP_GITLAB_TOKEN (401 Unauthorized); create a personal access token with the "
        "read_api scope and export it as CORP_GITLAB_TOKEN"
    )
    assert wrong not in message and GITLAB_TOKEN not in message
    assert raised.value.exit_code is ExitCode.PARTIAL
    assert [r.status for r in fake_gitlab.requests] == [401]  # a bad token is not retried


def test_a_token_without_read_api_says_so(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    fake_gitlab.fail("/groups/acme/projects", 403, "insufficient_scope")
    forge = make_gitlab(groups=["acme"])

    with pytest.raises(SourceError, match="lacks the read_api scope"):
        list(listed(forge))


def test_an_unreachable_instance_names_its_url(gitlab_sleeps: list[float]) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/gitlab"
    config = GitLabSource(forge="gitlab", url=url, users=["dana"])
    forge = GitLabForge(
        config,
        GITLAB_TOKEN,
        limits=Limits(retries=2),
        sleep=gitlab_sleeps.append,
        random=lambda: 0.5,
    )

    with pytest.raises(SourceError) as raised:
        list(listed(forge))

    assert str(raised.value) == (
        f"source 127.0.0.1:{port}/gitlab: cannot reach 127.0.0.1:{port}/gitlab (connection "
        f"failed, 3 attempts); check the network and url ({url}), then rerun"
    )
    # Jittered backoff: between half and all of 1 s, then of 2 s (the jitter fixed at 0.5).
    assert gitlab_sleeps == [0.75, 1.5]


def test_tls_trouble_points_at_ca_bundle(
    fake_gitlab: FakeGitLab, gitlab_sleeps: list[float]
) -> None:
    # An https URL on a plain-HTTP port fails the TLS handshake, as an untrusted CA would.
    url = fake_gitlab.url.replace("http://", "https://")
    config = GitLabSource(forge="gitlab", url=url, users=["dana"])
    forge = GitLabForge(config, GITLAB_TOKEN, limits=Limits(retries=2), sleep=gitlab_sleeps.append)

    with pytest.raises(SourceError, match="set ca_bundle to your instance's CA file"):
        list(listed(forge))
    assert gitlab_sleeps == []  # a certificate problem does not go away by retrying
    forge.close()


def test_server_errors_are_retried_then_reported(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    gitlab_sleeps: list[float],
) -> None:
    gitlab_world.add_project("dana/ledger")
    fake_gitlab.fail("/users/dana/projects", 502, times=1)
    recovered = make_gitlab(users=["dana"], retries=1)
    assert [r.ref.path for r in listed(recovered)] == ["dana/ledger"]
    assert gitlab_sleeps == [0.75]

    fake_gitlab.fail("/users/dana/projects", 503)
    failing = make_gitlab(users=["dana"], retries=2)
    with pytest.raises(SourceError) as raised:
        list(listed(failing))
    assert "still answered 503 after 2 retries (/users/dana/projects)" in str(raised.value)
    assert [r.status for r in fake_gitlab.requests_to("/users/dana/projects")][-3:] == [503] * 3


def test_links_to_another_host_lend_only_their_cursor(gitlab_world: GitLabWorld) -> None:
    # An instance whose external_url is wrong names another host in its Link headers;
    # the token must not follow it there, and the listing must still reach its end.
    gitlab_world.add_group("acme")
    projects = [gitlab_world.add_project(f"dana/p{n}") for n in range(5)]
    grouped = [gitlab_world.add_project(f"acme/g{n}") for n in range(3)]
    elsewhere = "http://198.51.100.7"
    with FakeGitLab(gitlab_world, token=GITLAB_TOKEN, external_url=elsewhere) as fake:
        config = GitLabSource(
            forge="gitlab", url=fake.url, groups=["acme"], users=["dana"], page_size=2
        )
        forge = GitLabForge(config, GITLAB_TOKEN, limits=Limits(retries=0))
        paths = [r.ref.path for r in listed(forge)]
        forge.close()

    assert paths == [p.path_with_namespace for p in grouped + projects]
    keyset = fake.requests_to("/users/dana/projects")
    assert [r.query.get("id_after") for r in keyset] == [None, "2", "4"]  # project ids
    assert [r.query.get("page") for r in fake.requests_to("/groups/acme/projects")] == [
        None,
        "2",
    ]


# -- one scope or one project fails; the rest goes on ----------------------------------------


def test_missing_groups_users_and_projects_are_warnings(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_group("acme")
    gitlab_world.add_project("acme/payments-api")
    gitlab_world.add_project("dana/ledger")
    forge = make_gitlab(
        groups=["ghost-group", "acme"], users=["nobody", "dana"], projects=["acme/deleted", "9999"]
    )

    paths = [r.ref.path for r in listed(forge)]

    assert paths == ["acme/payments-api", "dana/ledger"]
    host = fake_gitlab.host
    assert forge.warnings == [
        f"group ghost-group: not found on {host} (404 Group Not Found); check the name in "
        "groups and that the token in GITLAB_TOKEN can see it",
        f"user nobody: not found on {host} (404 User Not Found); check the name in users "
        "and that the token in GITLAB_TOKEN can see it",
        f"project acme/deleted: not found on {host} (404 Project Not Found); check the name "
        "in projects and that the token in GITLAB_TOKEN can see it",
        f"project 9999: not found on {host} (404 Project Not Found); check the name in "
        "projects and that the token in GITLAB_TOKEN can see it",
    ]


def test_a_private_group_of_someone_else_is_not_found(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_group("other-corp", visibility="private")
    gitlab_world.add_project("other-corp/secret", visibility="private")
    forge = make_gitlab(groups=["other-corp"], include_private=True)

    assert list(listed(forge)) == []
    assert forge.warnings[0].startswith("group other-corp: not found on ")


@pytest.mark.parametrize(
    ("kind", "endpoint", "status", "reason"),
    [
        (Kind.MERGE_REQUEST, "merge_requests", 404, "not found (404: 404 Not Found) although"),
        (Kind.COMMIT, "repository/commits", 403, "access refused (403: 403 Forbidden)"),
        (Kind.RELEASE, "releases", 404, "not found (404: 404 Not Found) although the project"),
        (Kind.TAG, "repository/tags", 403, "access refused (403: 403 Forbidden) although"),
    ],
)
def test_an_unreadable_list_of_a_readable_project_fails_only_that_list(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    kind: Kind,
    endpoint: str,
    status: int,
    reason: str,
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    project.add_commit("first")
    forge = make_gitlab(users=["dana"])
    (repository,) = listed(forge)
    fake_gitlab.fail(f"/projects/{project.id}/{endpoint}", status)

    with pytest.raises(ListUnavailable) as raised:
        list(full_read(forge, repository, kind))

    assert raised.value.repository == "dana/ledger"
    assert raised.value.listing == f"/projects/{project.id}/{endpoint}"
    assert raised.value.reason.startswith(reason)
    assert raised.value.refused is (status == 403)
    # Only the project resource itself may say "gone": asked once, after the failure.
    assert fake_gitlab.requests[-1].path == f"/projects/{project.id}"


@pytest.mark.parametrize(("status", "gone"), [(404, True), (403, False)])
def test_the_project_resource_itself_decides_gone(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    status: int,
    gone: bool,
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    project.add_commit("first")
    forge = make_gitlab(users=["dana"])
    (repository,) = listed(forge)
    fake_gitlab.fail(f"/projects/{project.id}/releases", status)
    fake_gitlab.fail(f"/projects/{project.id}", status)

    with pytest.raises(RepositoryUnavailable) as raised:
        list(full_read(forge, repository, Kind.RELEASE))

    assert raised.value.gone is gone
    assert raised.value.reason.startswith("not found (404)" if gone else "access refused (403)")


# -- rate limits -----------------------------------------------------------------------------


def test_rate_limit_headers_land_in_stats(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_project("dana/ledger")
    fake_gitlab.rate_used = 1234  # spent by earlier requests in this window
    forge = make_gitlab(users=["dana"])

    list(listed(forge))

    assert forge.stats.requests == 2 == len(fake_gitlab.requests)
    assert forge.stats.rate_limit == 2000
    assert forge.stats.rate_remaining == 2000 - 1236
    assert forge.stats.rate_reset == datetime(2099, 1, 1, 12, 34, tzinfo=UTC)


def test_429_waits_as_long_as_retry_after_says(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    gitlab_sleeps: list[float],
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    fake_gitlab.throttle("/users/dana/projects", retry_after=7, times=1)
    fake_gitlab.throttle(f"/projects/{project.id}/languages", retry_after=3, times=2)
    forge = make_gitlab(users=["dana"], retries=2, max_wait=10)

    assert [r.ref.path for r in listed(forge)] == ["dana/ledger"]
    assert gitlab_sleeps == [7.0, 3.0, 3.0]
    assert [r.status for r in fake_gitlab.requests] == [429, 200, 429, 429, 200]
    assert forge.stats.requests == 5
    assert (forge.stats.retries, forge.stats.waited) == (3, 13.0)


def test_a_retry_after_beyond_the_bound_stops_the_source_cleanly_without_waiting(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    gitlab_sleeps: list[float],
) -> None:
    gitlab_world.add_project("dana/ledger")
    fake_gitlab.throttle("/users/dana/projects", retry_after=3600, times=None)
    now = datetime(2030, 5, 6, 7, 0, tzinfo=UTC).timestamp()
    forge = make_gitlab(users=["dana"], retries=3, max_wait=60, wall_clock=lambda: now)

    with pytest.raises(RateLimitStop) as raised:
        list(listed(forge))

    assert str(raised.value) == (
        f"source {forge.name}: {fake_gitlab.host} is rate limiting this token (429, retry "
        "after 3600 s; max_rate_limit_wait is 60 s); stopped cleanly; the next run resumes "
        "where this one stopped"
    )
    assert raised.value.resets_at == datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
    assert raised.value.exit_code is ExitCode.PARTIAL
    assert gitlab_sleeps == []
    assert len(fake_gitlab.requests) == 1


def test_a_429_that_keeps_coming_stops_cleanly_after_the_retries(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    gitlab_sleeps: list[float],
) -> None:
    gitlab_world.add_project("dana/ledger")
    fake_gitlab.throttle("/users/dana/projects", retry_after=5, times=None)
    forge = make_gitlab(users=["dana"], retries=2, max_wait=60)

    with pytest.raises(RateLimitStop, match=r"still rate limits this token \(429\) after 2 waits"):
        list(listed(forge))

    assert gitlab_sleeps == [5.0, 5.0]
    assert [r.status for r in fake_gitlab.requests] == [429, 429, 429]


def test_a_spent_budget_stops_before_the_request_that_would_be_refused(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    gitlab_sleeps: list[float],
) -> None:
    for name in ("a", "b", "c"):
        gitlab_world.add_project(f"dana/{name}")
    fake_gitlab.rate_limit = 2
    forge = make_gitlab(users=["dana"], retries=3)

    with pytest.raises(RateLimitStop) as raised:
        list(listed(forge))

    # The window resets in 2099: far past the bound, so no waiting and no 429 provoked.
    assert str(raised.value) == (
        f"source {forge.name}: rate limit exhausted, resets at 12:34 UTC; stopped cleanly; "
        "the next run resumes where this one stopped"
    )
    assert raised.value.resets_at == datetime(2099, 1, 1, 12, 34, tzinfo=UTC)
    assert gitlab_sleeps == []
    assert [r.status for r in fake_gitlab.requests] == [200, 200]
    assert forge.stats.rate_remaining == 0


def test_a_limit_spent_elsewhere_stops_at_the_429_without_a_retry_loop(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    gitlab_sleeps: list[float],
) -> None:
    gitlab_world.add_project("dana/a")
    fake_gitlab.rate_limit = 10
    fake_gitlab.rate_used = 10  # the owner's other tools spent this period's budget
    forge = make_gitlab(users=["dana"], retries=3, max_wait=60)

    with pytest.raises(RateLimitStop, match="is rate limiting this token"):
        list(listed(forge))

    assert gitlab_sleeps == []
    assert [r.status for r in fake_gitlab.requests] == [429]
