"""How the GitHub source fails: one clear line for the whole source, or a warning and go on.

Failures are produced by the fake GitHub at the HTTP level; PyGithub and its
retry logic run unmodified between it and the source.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from collector.forges.base.interface import ListUnavailable, RateLimitStop, RepositoryUnavailable
from collector.forges.base.limits import Limits
from collector.forges.github.forge import GitHubForge
from collector.model.records import Kind
from config.models import GitHubSource
from core.errors import ExitCode, SourceError
from tests.collector.conftest import GITHUB_TOKEN, MakeForge
from tests.collector.reading import full_read, listed
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld

# -- the whole source fails ---------------------------------------------------------------


def test_bad_credentials_name_the_variable_and_never_the_token(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/ledger")
    wrong = "ghp_revokedTokenValue987654321"
    forge = make_forge(users=["dana-dev"], token=wrong, token_env="EVIDENCE_GITHUB_TOKEN")

    with pytest.raises(SourceError) as raised:
        list(listed(forge))

    message = str(raised.value)
    assert "EVIDENCE_GITHUB_TOKEN" in message
    assert "401" in message
    assert wrong not in message and GITHUB_TOKEN not in message
    assert "\n" not in message
    assert raised.value.exit_code is ExitCode.PARTIAL
    assert [r.status for r in fake_github.requests] == [401]  # no retries of a bad token


def test_a_token_refused_on_the_first_call_fails_the_source(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/ledger")
    fake_github.fail("/users/dana-dev/repos", 403, "Resource not accessible by integration")
    forge = make_forge(users=["dana-dev"])

    with pytest.raises(SourceError) as raised:
        list(listed(forge))

    assert "refused the token in GITHUB_TOKEN" in str(raised.value)
    assert "Resource not accessible by integration" in str(raised.value)


def test_an_unreachable_host_names_the_host(github_world: GitHubWorld) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = GitHubSource(forge="github", api_url=f"http://127.0.0.1:{port}", users=["dana-dev"])
    forge = GitHubForge(config, GITHUB_TOKEN, limits=Limits(retries=0))

    with pytest.raises(SourceError) as raised:
        list(listed(forge))

    assert str(raised.value) == (
        f"source 127.0.0.1:{port}: cannot reach 127.0.0.1:{port} (connection failed); "
        f"check the network and api_url (http://127.0.0.1:{port}), then rerun"
    )


def test_server_errors_are_retried_then_reported(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/ledger")
    fake_github.fail("/users/dana-dev/repos", 502, times=1)
    recovered = make_forge(users=["dana-dev"], retries=1)
    assert [r.ref.path for r in listed(recovered)] == ["dana-dev/ledger"]

    fake_github.fail("/users/dana-dev/repos", 502)
    failing = make_forge(users=["dana-dev"], retries=1)
    with pytest.raises(SourceError) as raised:
        list(listed(failing))
    assert "still answered 502 after 1 retries" in str(raised.value)


def test_a_next_link_outside_the_api_is_not_followed(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    elsewhere = '<http://198.51.100.7/users/dana-dev/repos?page=2>; rel="next"'
    fake_github.override("/users/dana-dev/repos", 200, [], headers={"Link": elsewhere})
    forge = make_forge(users=["dana-dev"])

    with pytest.raises(SourceError, match="next-page link leads outside"):
        list(listed(forge))
    assert len(fake_github.requests) == 1


# -- one scope or one repository fails; the rest goes on ------------------------------------


def test_a_missing_org_is_a_warning_and_other_scopes_are_collected(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_org("acme-corp")
    github_world.add_repo("acme-corp/payments-api")
    github_world.add_repo("dana-dev/ledger")
    forge = make_forge(
        users=["dana-dev"], orgs=["ghost-org", "acme-corp"], repos=["dana-dev/deleted-repo"]
    )

    paths = [r.ref.path for r in listed(forge)]

    assert paths == ["dana-dev/ledger", "acme-corp/payments-api"]
    assert len(forge.warnings) == 2
    org_warning, repo_warning = forge.warnings
    assert org_warning.startswith("org ghost-org: not found on 127.0.0.1:")
    assert "(404)" in org_warning and "check the name in orgs" in org_warning
    assert repo_warning.startswith("repo dana-dev/deleted-repo: not found")
    assert all("\n" not in warning for warning in forge.warnings)


def test_an_org_refused_after_the_first_call_is_a_warning(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/ledger")
    github_world.add_org("sso-corp")
    fake_github.fail("/orgs/sso-corp/repos", 403, "Resource protected by organization SAML")
    forge = make_forge(users=["dana-dev"], orgs=["sso-corp"])

    assert [r.ref.path for r in listed(forge)] == ["dana-dev/ledger"]
    assert forge.warnings == [
        "org sso-corp: access refused on "
        f"{forge.name} (403: Resource protected by organization SAML); "
        "check the token's access to it (SSO authorisation, IP allow list)"
    ]


def test_a_private_repo_asked_for_by_name_says_how_to_include_it(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/secret-plans", private=True)
    forge = make_forge(repos=["dana-dev/secret-plans"])

    assert list(listed(forge)) == []
    assert forge.warnings == [
        "repo dana-dev/secret-plans: is private; set include_private = true to collect it"
    ]
    assert fake_github.paths() == ["/repos/dana-dev/secret-plans"]


def test_an_app_token_that_cannot_read_user_still_lists_public_repositories(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/ledger")
    github_world.add_repo("dana-dev/secret-plans", private=True)
    fake_github.fail("/user", 403, "Resource not accessible by integration")
    forge = make_forge(users=["dana-dev"], include_private=True)

    assert [r.ref.path for r in listed(forge)] == ["dana-dev/ledger"]
    assert len(forge.warnings) == 1
    assert "token in GITHUB_TOKEN" in forge.warnings[0]


@pytest.mark.parametrize(
    ("kind", "status", "reason", "refused"),
    [
        (Kind.MERGE_REQUEST, 404, "answered 404 (Not Found) although the repository", False),
        (Kind.COMMIT, 451, "answered 451 (Repository access blocked) although the", False),
        (Kind.RELEASE, 403, "access refused (403: Repository access blocked by policy)", True),
        (Kind.TAG, 409, "answered 409 (Conflict) although the repository itself", False),
    ],
)
def test_an_unreadable_list_of_a_readable_repository_fails_only_that_list(
    github_world: GitHubWorld,
    fake_github: FakeGitHub,
    make_forge: MakeForge,
    kind: Kind,
    status: int,
    reason: str,
    refused: bool,
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    repo.add_commit("first")
    forge = make_forge(users=["dana-dev"])
    (repository,) = listed(forge)
    endpoint = {
        Kind.MERGE_REQUEST: "pulls",
        Kind.COMMIT: "commits",
        Kind.RELEASE: "releases",
        Kind.TAG: "tags",
    }[kind]
    message = "Repository access blocked by policy" if status == 403 else None
    fake_github.fail(f"/repos/dana-dev/ledger/{endpoint}", status, message)

    with pytest.raises(ListUnavailable) as raised:
        list(full_read(forge, repository, kind))

    assert raised.value.repository == "dana-dev/ledger"
    assert raised.value.listing == f"/repos/dana-dev/ledger/{endpoint}"
    assert raised.value.reason.startswith(reason)
    assert raised.value.refused is refused
    # Only the repository resource itself may say "gone": asked once, after the failure.
    assert fake_github.paths()[-1] == "/repos/dana-dev/ledger"


@pytest.mark.parametrize(
    ("status", "reason", "gone"),
    [
        (404, "not found (404)", True),
        (451, "unavailable for legal reasons (451)", True),
        (403, "access refused (403)", False),
    ],
)
def test_the_repository_resource_itself_decides_gone(
    github_world: GitHubWorld,
    fake_github: FakeGitHub,
    make_forge: MakeForge,
    status: int,
    reason: str,
    gone: bool,
) -> None:
    github_world.add_repo("dana-dev/ledger").add_commit("first")
    forge = make_forge(users=["dana-dev"])
    (repository,) = listed(forge)
    fake_github.fail("/repos/dana-dev/ledger/pulls", status)
    fake_github.fail("/repos/dana-dev/ledger", status)

    with pytest.raises(RepositoryUnavailable) as raised:
        list(full_read(forge, repository, Kind.MERGE_REQUEST))

    assert raised.value.reason.startswith(reason)
    assert raised.value.gone is gone


# -- rate limits -----------------------------------------------------------------------------


def test_rate_limit_headers_land_in_stats(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/ledger")
    fake_github.rate_limit = 5000
    fake_github.rate_used = 1234  # spent by earlier runs in this hour
    forge = make_forge(users=["dana-dev"])

    list(listed(forge))

    assert forge.stats.requests == 2 == len(fake_github.requests)
    assert forge.stats.rate_limit == 5000
    assert forge.stats.rate_remaining == 5000 - 1236
    assert forge.stats.rate_reset == datetime(2099, 1, 1, 12, 34, tzinfo=UTC)


def test_a_spent_budget_stops_before_the_request_that_would_fail(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    for name in ("a", "b", "c"):
        github_world.add_repo(f"dana-dev/{name}")
    fake_github.rate_limit = 2
    forge = make_forge(users=["dana-dev"], retries=3)

    with pytest.raises(RateLimitStop) as raised:
        list(listed(forge))

    assert str(raised.value) == (
        f"source {forge.name}: rate limit exhausted, resets at 12:34 UTC; stopped cleanly; "
        "the next run resumes where this one stopped"
    )
    assert raised.value.resets_at == datetime(2099, 1, 1, 12, 34, tzinfo=UTC)
    assert [r.status for r in fake_github.requests] == [200, 200]  # no request wasted on a 403
    assert forge.stats.rate_remaining == 0


@pytest.mark.parametrize("status", [403, 429])
def test_a_limit_spent_elsewhere_stops_with_the_reset_time(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge, status: int
) -> None:
    github_world.add_repo("dana-dev/a")
    fake_github.rate_limit = 10
    fake_github.rate_used = 10  # the owner's other tools spent this hour's budget
    fake_github.rate_limit_status = status
    forge = make_forge(users=["dana-dev"], retries=3, max_wait=60)

    with pytest.raises(RateLimitStop) as raised:
        list(listed(forge))

    assert "rate limit exhausted, resets at 12:34 UTC; stopped cleanly" in str(raised.value)
    assert len(fake_github.requests) == 1  # no retry loop against an exhausted limit
