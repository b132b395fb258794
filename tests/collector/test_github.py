"""The GitHub source against the fake GitHub API, with PyGithub running unmodified.

Expected records are built from the fake's world (what GitHub means), never
from the JSON the fake sends, so a mapping mistake cannot hide behind itself.
"""

from __future__ import annotations

import pytest

from collector.forges.base.limits import Limits
from collector.forges.github.forge import GitHubForge
from collector.model.records import (
    Item,
    Kind,
    MergeRequest,
    Repository,
    Visibility,
)
from config.models import GitHubSource
from config.rules import ClassifyConfig
from tests.collector.conftest import GITHUB_TOKEN, MakeForge
from tests.collector.reading import full_read, listed
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_expected import (
    expected_commit,
    expected_pull,
    expected_release,
    expected_repository,
    expected_tag,
)
from tests.fakes.github_world import (
    GitHubWorld,
)


def collect(forge: GitHubForge, repository: Repository, kind: Kind) -> list[Item]:
    return [item for page in full_read(forge, repository, kind) for item in page]


def only_repository(forge: GitHubForge) -> Repository:
    (repository,) = listed(forge)
    return repository


# -- repositories ---------------------------------------------------------------------


def test_repositories_of_users_orgs_and_explicit_repos_are_mapped(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    ledger = github_world.add_repo(
        "dana-dev/ledger",
        description="Evidence, not claims",
        topics=["python", "evidence"],
        languages={"Python": 51_200, "HTML": 2_048},
        stars=7,
    )
    github_world.add_org("acme-corp")
    payments = github_world.add_repo(
        "acme-corp/payments-api", languages={"Go": 90_000}, default_branch="trunk"
    )
    tools = github_world.add_repo("octo-org/tools")  # owned by someone else, asked for by name

    forge = make_forge(users=["dana-dev"], orgs=["acme-corp"], repos=["octo-org/tools"])
    repositories = list(listed(forge))

    assert repositories == [
        expected_repository(fake_github, ledger),
        expected_repository(fake_github, payments),
        expected_repository(fake_github, tools),
    ]
    assert fake_github.paths() == [
        "/users/dana-dev/repos",
        "/repos/dana-dev/ledger/languages",
        "/orgs/acme-corp/repos",
        "/repos/acme-corp/payments-api/languages",
        "/repos/octo-org/tools",
        "/repos/octo-org/tools/languages",
    ]
    listing = fake_github.requests_to("/users/dana-dev/repos")[0]
    assert listing.query == {"type": "owner", "sort": "full_name", "per_page": "100"}
    assert fake_github.requests_to("/orgs/acme-corp/repos")[0].query["type"] == "all"
    assert forge.warnings == []


def test_private_repositories_are_excluded_by_default(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_org("acme-corp", members=["dana-dev"])
    notes = github_world.add_repo("dana-dev/notes")
    github_world.add_repo("dana-dev/secret-plans", private=True)
    payments = github_world.add_repo("acme-corp/payments-api")
    github_world.add_repo("acme-corp/billing-core", private=True)
    github_world.add_repo("acme-corp/platform-docs", visibility="internal")

    forge = make_forge(users=["dana-dev"], orgs=["acme-corp"])

    assert [r.ref.path for r in listed(forge)] == [notes.full_name, payments.full_name]
    # Skipped repositories cost nothing: not even their languages are asked for.
    assert not any(
        name in path
        for path in fake_github.paths()
        for name in ("secret-plans", "billing-core", "platform-docs")
    )
    assert "/user" not in fake_github.paths()


def test_include_private_lists_the_owners_private_and_internal_repositories(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_org("acme-corp", members=["dana-dev"])
    github_world.add_repo("dana-dev/notes")
    github_world.add_repo("dana-dev/secret-plans", private=True)
    github_world.add_repo("acme-corp/billing-core", private=True)
    github_world.add_repo("acme-corp/platform-docs", visibility="internal")
    github_world.add_repo("someone-else/private-thing", private=True)

    forge = make_forge(users=["dana-dev"], orgs=["acme-corp"], include_private=True)
    visibility = {r.ref.path: r.visibility for r in listed(forge)}

    assert visibility == {
        "dana-dev/notes": Visibility.PUBLIC,
        "dana-dev/secret-plans": Visibility.PRIVATE,
        "acme-corp/billing-core": Visibility.PRIVATE,
        "acme-corp/platform-docs": Visibility.INTERNAL,
    }
    assert fake_github.paths().count("/user") == 1
    assert "/users/dana-dev/repos" not in fake_github.paths()
    (own_listing,) = fake_github.requests_to("/user/repos")
    assert own_listing.query["affiliation"] == "owner"
    assert own_listing.query["visibility"] == "all"


def test_include_private_for_another_user_reads_their_public_listing(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("lee-reviewer/dotfiles")

    forge = make_forge(users=["lee-reviewer"], include_private=True)

    assert [r.ref.path for r in listed(forge)] == ["lee-reviewer/dotfiles"]
    assert fake_github.paths()[:2] == ["/user", "/users/lee-reviewer/repos"]


@pytest.mark.parametrize(
    ("settings", "kept"),
    [
        ({}, {"dana-dev/app", "dana-dev/old-service"}),
        ({"include_forks": True}, {"dana-dev/app", "dana-dev/forked-lib", "dana-dev/old-service"}),
        ({"include_archived": False}, {"dana-dev/app"}),
    ],
    ids=["defaults", "include-forks", "exclude-archived"],
)
def test_fork_and_archive_policy(
    github_world: GitHubWorld,
    fake_github: FakeGitHub,
    make_forge: MakeForge,
    settings: dict[str, bool],
    kept: set[str],
) -> None:
    github_world.add_repo("dana-dev/app")
    github_world.add_repo("dana-dev/forked-lib", fork=True)
    github_world.add_repo("dana-dev/old-service", archived=True)

    forge = make_forge(users=["dana-dev"], **settings)

    assert {r.ref.path for r in listed(forge)} == kept
    languages_asked = {
        p.removeprefix("/repos/").removesuffix("/languages") for p in fake_github.paths()[1:]
    }
    assert languages_asked == kept


def test_repositories_seen_through_several_scopes_are_read_once(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_org("acme-corp", members=["dana-dev"])
    github_world.add_repo("dana-dev/ledger")
    github_world.add_repo("acme-corp/Payments-API")

    forge = make_forge(
        users=["dana-dev"],
        orgs=["acme-corp", "ACME-corp"],
        repos=["Dana-Dev/Ledger", "acme-corp/payments-api"],
    )

    assert [r.ref.path for r in listed(forge)] == [
        "dana-dev/ledger",
        "acme-corp/Payments-API",
    ]
    assert fake_github.paths() == [
        "/users/dana-dev/repos",
        "/repos/dana-dev/ledger/languages",
        "/orgs/acme-corp/repos",
        "/repos/acme-corp/Payments-API/languages",
        "/orgs/ACME-corp/repos",
        # The explicit repositories were listed already: not fetched again.
    ]


# -- items ---------------------------------------------------------------------------


def test_pull_requests_are_read_page_by_page_following_link(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    for number in range(1, 251):
        repo.add_pull(title=f"Change {number}")
    forge = make_forge(users=["dana-dev"])
    repository = only_repository(forge)

    pages = list(full_read(forge, repository, Kind.MERGE_REQUEST))

    assert [len(page) for page in pages] == [100, 100, 50]
    numbers = [item.number for page in pages for item in page if isinstance(item, MergeRequest)]
    assert numbers == list(range(250, 0, -1))  # most recently updated first
    listings = fake_github.requests_to("/repos/dana-dev/ledger/pulls")
    assert [r.query.get("page") for r in listings] == [None, "2", "3"]
    for listing in listings:
        assert listing.query["per_page"] == "100"
        assert (listing.query["state"], listing.query["sort"]) == ("all", "updated")
        assert listing.query["direction"] == "desc"


def test_every_record_kind_is_mapped_exactly(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_org("acme-corp", members=["dana-dev"])
    repo = github_world.add_repo("acme-corp/payments-api", languages={"Go": 4096})
    merged = repo.add_pull(
        title="Add idempotency keys to payment capture",
        body="Why: retries doubled charges.\n\nHow: a key per request.",
        labels=["evidence", "evidence:deployment"],
        merged=True,
        head_ref="feat/idempotency",
        milestone="Q3 reliability",
        assignees=["dana-dev"],
        requested_reviewers=["lee-reviewer", "sam-sre"],
        author_association="OWNER",
    )
    draft = repo.add_pull(title="WIP: canary deploys", body=None, draft=True)
    closed = repo.add_pull(title="Abandoned approach", closed=True, author="sam-sre")
    linked = repo.add_commit(
        "feat: retries with jitter\n\nEvidence: deployment\n", author_name="Dana Developer"
    )
    unlinked = repo.add_commit("fix typo", author=None, author_name="Sam Contractor")
    stable = repo.add_release("v1.0.0", name="First stable", body="## Changes\n- capture")
    candidate = repo.add_release("v1.1.0-rc1", name="", prerelease=True)
    tags = [repo.add_tag("v1.0.0"), repo.add_tag("v1.1.0-rc1")]
    forge = make_forge(orgs=["acme-corp"])
    repository = only_repository(forge)

    assert collect(forge, repository, Kind.MERGE_REQUEST) == [
        expected_pull(fake_github, repo, pr) for pr in (closed, draft, merged)
    ]
    assert collect(forge, repository, Kind.COMMIT) == [
        expected_commit(fake_github, repo, commit) for commit in (unlinked, linked)
    ]
    assert collect(forge, repository, Kind.RELEASE) == [
        expected_release(fake_github, repo, release) for release in (candidate, stable)
    ]
    assert collect(forge, repository, Kind.TAG) == [
        expected_tag(fake_github, repo, tag) for tag in reversed(tags)
    ]
    assert (
        fake_github.requests_to("/repos/acme-corp/payments-api/commits")[0].query["sha"] == "main"
    )


def test_no_request_per_item(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    for name in ("ledger", "notes"):
        repo = github_world.add_repo(f"dana-dev/{name}", languages={"Python": 100})
        for number in range(5):
            # Tagged with a category: not a candidate for its changed files.
            repo.add_pull(
                title=f"PR {number}", merged=number % 2 == 0, labels=["evidence:deployment"]
            )
            repo.add_commit(f"commit {number}")
            repo.add_release(f"v{number}.0.0")
            repo.add_tag(f"v{number}.0.0")
    forge = make_forge(users=["dana-dev"])

    items = [
        item
        for repository in listed(forge)
        for kind in forge.kinds
        for item in collect(forge, repository, kind)
    ]

    assert len(items) == 2 * 4 * 5
    # one listing page + per repository: languages, one page per kind, and for the
    # signal kinds: no workflows to follow, one list per incident label, one per ADR folder
    signal_lists = 1 + 1 + len(ClassifyConfig().incident_labels) + len(ClassifyConfig().adr_paths)
    assert len(fake_github.requests) == 1 + 2 * (1 + 4 + signal_lists)
    assert forge.stats.requests == len(fake_github.requests)


def test_an_empty_repository_has_no_commits_and_no_error(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    github_world.add_repo("dana-dev/just-created")
    forge = make_forge(users=["dana-dev"])
    repository = only_repository(forge)

    assert collect(forge, repository, Kind.COMMIT) == []
    assert collect(forge, repository, Kind.TAG) == []
    assert [r.status for r in fake_github.requests_to("/repos/dana-dev/just-created/commits")] == [
        409
    ]
    assert forge.warnings == []


def test_hostile_content_round_trips_unchanged(
    github_world: GitHubWorld, fake_github: FakeGitHub, make_forge: MakeForge
) -> None:
    hostile = "<script>alert('x')</script>\u202egnp.exe\u200b\u200d\u05e9\u05dc\u05d5\u05dd 🚀 " + (
        "\u00e9" * 5000
    )
    body = (
        "<img src=x onerror=alert(1)>\n\u0000\"quotes\" & 'apostrophes' \\ [x](javascript:alert(1))"
    )
    repo = github_world.add_repo("dana-dev/ledger", description=hostile)
    pr = repo.add_pull(
        title=hostile,
        body=body,
        labels=["<b>evidence</b>", "evidence:\u202edeployment"],
        head_ref="feat/<svg onload=alert(1)>",
    )
    folded = repo.add_pull(title="Line one\nLine two\u2028three\r\n")
    commit = repo.add_commit(hostile + "\n\n" + body)
    release = repo.add_release("v1.0.0-\u202ex", name=hostile, body=body)
    tag = repo.add_tag("v1.0.0-\u202e<x>")
    forge = make_forge(users=["dana-dev"])
    repository = only_repository(forge)

    assert repository.description == hostile
    pulls = collect(forge, repository, Kind.MERGE_REQUEST)
    assert pulls[1] == expected_pull(fake_github, repo, pr)
    assert isinstance(pulls[1], MergeRequest) and pulls[1].body == body
    assert pulls[0].title == "Line one Line two three"
    assert pulls[0] == expected_pull(fake_github, repo, folded).model_copy(
        update={"title": "Line one Line two three"}
    )
    assert collect(forge, repository, Kind.COMMIT) == [expected_commit(fake_github, repo, commit)]
    assert collect(forge, repository, Kind.RELEASE) == [
        expected_release(fake_github, repo, release)
    ]
    assert collect(forge, repository, Kind.TAG) == [expected_tag(fake_github, repo, tag)]


# -- GitHub Enterprise -----------------------------------------------------------------


def test_github_enterprise_api_prefix(github_world: GitHubWorld) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    for number in range(1, 102):
        repo.add_pull(title=f"Change {number}")
    with FakeGitHub(github_world, token=GITHUB_TOKEN, prefix="/api/v3") as fake:
        config = GitHubSource(forge="github", api_url=fake.api_url, users=["dana-dev"])
        forge = GitHubForge(config, GITHUB_TOKEN, limits=Limits(retries=0))
        repository = only_repository(forge)
        pulls = collect(forge, repository, Kind.MERGE_REQUEST)
        forge.close()

    assert fake.api_url.endswith("/api/v3")
    assert repository == expected_repository(fake, repo)
    assert repository.url == f"{fake.root_url}/dana-dev/ledger"
    assert len(pulls) == 101
    assert all(r.url_path.startswith("/api/v3/") for r in fake.requests)
    assert all(r.status == 200 for r in fake.requests)
    assert [r.query.get("page") for r in fake.requests_to("/repos/dana-dev/ledger/pulls")] == [
        None,
        "2",
    ]
