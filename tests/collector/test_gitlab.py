"""The GitLab source against the fake GitLab API, with python-gitlab running unmodified.

Expected records are built from the fake's world (what GitLab means), never
from the JSON the fake sends (``tests.fakes.gitlab_expected``), so a mapping
mistake cannot hide behind itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from collector.classify import Policy, classify
from collector.forges.base.limits import Limits
from collector.forges.base.signals import with_files
from collector.forges.gitlab.forge import GitLabForge
from collector.model.categories import Category
from collector.model.records import Item, Kind, MergeRequest, RepoRef, Repository, Visibility
from config.models import GitLabSource
from tests.collector.conftest import GITLAB_TOKEN, MakeGitLabForge
from tests.collector.reading import full_read, listed
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_expected import (
    expected_commit,
    expected_merge_request,
    expected_release,
    expected_repository,
    expected_tag,
)
from tests.fakes.gitlab_world import GitLabWorld


def collect(forge: GitLabForge, repository: Repository, kind: Kind) -> list[Item]:
    return [item for page in full_read(forge, repository, kind) for item in page]


def only_repository(forge: GitLabForge) -> Repository:
    (repository,) = listed(forge)
    return repository


PUBLIC_GROUP_LISTING = {
    "include_subgroups": "true",
    "with_shared": "false",
    "order_by": "id",
    "sort": "asc",
    "visibility": "public",
    "per_page": "100",
}


# -- projects ---------------------------------------------------------------------------


def test_projects_of_groups_users_and_explicit_projects_are_mapped(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_group("acme")
    infra = gitlab_world.add_project(
        "acme/platform/infra",  # in a subgroup of the group asked for
        description="Terraform and Helm for everything",
        topics=["terraform", "helm"],
        languages={"HCL": 71.25, "Shell": 28.75},
        stars=4,
    )
    api = gitlab_world.add_project("acme/payments-api", languages={"Go": 100.0})
    dotfiles = gitlab_world.add_project("dana/dotfiles")
    tools = gitlab_world.add_project("octo/tools")  # someone else's, asked for by id
    upstream = gitlab_world.add_project("octo/widgets")  # asked for by path

    forge = make_gitlab(groups=["acme"], users=["dana"], projects=[str(tools.id), "octo/widgets"])
    repositories = list(listed(forge))

    assert repositories == [
        expected_repository(fake_gitlab, infra),
        expected_repository(fake_gitlab, api),
        expected_repository(fake_gitlab, dotfiles),
        expected_repository(fake_gitlab, tools),
        expected_repository(fake_gitlab, upstream),
    ]
    assert fake_gitlab.paths() == [
        "/groups/acme/projects",
        f"/projects/{infra.id}/languages",
        f"/projects/{api.id}/languages",
        "/users/dana/projects",
        f"/projects/{dotfiles.id}/languages",
        f"/projects/{tools.id}",
        f"/projects/{tools.id}/languages",
        "/projects/octo%2Fwidgets",
        f"/projects/{upstream.id}/languages",
    ]
    assert fake_gitlab.requests_to("/groups/acme/projects")[0].query == PUBLIC_GROUP_LISTING
    assert fake_gitlab.requests_to("/users/dana/projects")[0].query == {
        "pagination": "keyset",
        "order_by": "id",
        "sort": "asc",
        "visibility": "public",
        "per_page": "100",
    }
    assert forge.warnings == []
    # The token travels in the PRIVATE-TOKEN header, never in a URL that proxies log.
    assert {r.authorization for r in fake_gitlab.requests} == {"private-token"}
    assert not any("private_token" in r.query for r in fake_gitlab.requests)


def test_group_listings_follow_every_page(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_group("acme")
    for number in range(7):
        gitlab_world.add_project(f"acme/team-{number % 2}/service-{number}")
    forge = make_gitlab(groups=["acme"], page_size=3)

    paths = [r.ref.path for r in listed(forge)]

    assert paths == [f"acme/team-{n % 2}/service-{n}" for n in range(7)]
    listings = fake_gitlab.requests_to("/groups/acme/projects")
    assert [r.query.get("page") for r in listings] == [None, "2", "3"]
    assert all(r.query["per_page"] == "3" for r in listings)


def test_user_listing_uses_keyset_pagination_to_the_end(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    projects = [gitlab_world.add_project(f"dana/project-{n}") for n in range(5)]
    forge = make_gitlab(users=["dana"], page_size=2)

    assert [r.ref.path for r in listed(forge)] == [p.path_with_namespace for p in projects]
    listings = fake_gitlab.requests_to("/users/dana/projects")
    # Keyset pages have no page numbers: the cursor comes from Link: rel="next".
    assert [r.query.get("id_after") for r in listings] == [
        None,
        str(projects[1].id),
        str(projects[3].id),
    ]
    assert all(r.query["pagination"] == "keyset" and "page" not in r.query for r in listings)


@pytest.mark.parametrize(
    ("settings", "kept", "listing_filter"),
    [
        ({}, {"acme/site"}, "public"),
        ({"include_internal": True}, {"acme/site", "acme/handbook"}, None),
        ({"include_private": True}, {"acme/site", "acme/billing"}, None),
        (
            {"include_internal": True, "include_private": True},
            {"acme/site", "acme/handbook", "acme/billing"},
            None,
        ),
    ],
    ids=["public-only", "internal", "private", "both"],
)
def test_private_and_internal_projects_only_when_opted_in(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    settings: dict[str, bool],
    kept: set[str],
    listing_filter: str | None,
) -> None:
    gitlab_world.add_group("acme", members=["dana"])
    gitlab_world.add_project("acme/site")
    handbook = gitlab_world.add_project("acme/handbook", visibility="internal")
    billing = gitlab_world.add_project("acme/billing", visibility="private")
    for project in (handbook, billing):
        project.add_merge_request(title="secret work", labels=["evidence"], state="merged")
    forge = make_gitlab(groups=["acme"], **settings)

    repositories = {r.ref.path: r for r in listed(forge)}
    for repository in repositories.values():
        for kind in forge.kinds:
            collect(forge, repository, kind)

    assert set(repositories) == kept
    assert fake_gitlab.requests_to("/groups/acme/projects")[0].query.get("visibility") == (
        listing_filter
    )
    # A project not opted into costs nothing: none of its items is ever asked for.
    asked = " ".join(fake_gitlab.paths())
    for project in (handbook, billing):
        wanted = project.path_with_namespace in kept
        assert (f"/projects/{project.id}/" in asked) is wanted
    if "acme/billing" in kept:
        assert repositories["acme/billing"].visibility is Visibility.PRIVATE
    if "acme/handbook" in kept:
        assert repositories["acme/handbook"].visibility is Visibility.INTERNAL


def test_an_explicit_private_project_says_which_setting_collects_it(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_group("acme", members=["dana"])
    gitlab_world.add_project("acme/billing", visibility="private")
    handbook = gitlab_world.add_project("acme/handbook", visibility="internal")
    forge = make_gitlab(projects=["acme/billing", str(handbook.id)])

    assert list(listed(forge)) == []
    assert forge.warnings == [
        "project acme/billing: is private; set include_private = true to collect it",
        f"project {handbook.id}: is internal; set include_internal = true to collect it",
    ]
    assert fake_gitlab.paths() == ["/projects/acme%2Fbilling", f"/projects/{handbook.id}"]


@pytest.mark.parametrize(
    ("settings", "kept"),
    [
        ({}, {"dana/app", "dana/old-service"}),
        ({"include_forks": True}, {"dana/app", "dana/forked-lib", "dana/old-service"}),
        ({"include_archived": False}, {"dana/app"}),
    ],
    ids=["defaults", "include-forks", "exclude-archived"],
)
def test_fork_and_archive_policy(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    settings: dict[str, bool],
    kept: set[str],
) -> None:
    gitlab_world.add_project("octo/lib")
    gitlab_world.add_project("dana/app")
    gitlab_world.add_project("dana/forked-lib", forked_from="octo/lib")
    gitlab_world.add_project("dana/old-service", archived=True)
    forge = make_gitlab(users=["dana"], **settings)

    repositories = {r.ref.path: r for r in listed(forge)}

    assert set(repositories) == kept
    if "dana/forked-lib" in repositories:
        assert repositories["dana/forked-lib"].forked_from == "octo/lib"
        assert repositories["dana/forked-lib"].fork is True


def test_projects_seen_through_several_scopes_are_read_once(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_group("acme")
    api = gitlab_world.add_project("acme/payments-api")
    forge = make_gitlab(groups=["acme", "ACME"], projects=["Acme/Payments-API", str(api.id)])

    assert [r.ref.path for r in listed(forge)] == ["acme/payments-api"]
    assert fake_gitlab.paths() == [
        "/groups/acme/projects",
        f"/projects/{api.id}/languages",
        "/groups/ACME/projects",
        # The explicit projects were listed already: not fetched again.
    ]


# -- items ---------------------------------------------------------------------------


def test_merge_requests_are_read_page_by_page(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    for number in range(1, 251):
        project.add_merge_request(title=f"Change {number}", state="merged")
    forge = make_gitlab(users=["dana"])
    repository = only_repository(forge)

    pages = list(full_read(forge, repository, Kind.MERGE_REQUEST))

    assert [len(page) for page in pages] == [100, 100, 50]
    numbers = [item.number for page in pages for item in page if isinstance(item, MergeRequest)]
    assert numbers == list(range(250, 0, -1))  # most recently updated first
    listings = fake_gitlab.requests_to(f"/projects/{project.id}/merge_requests")
    assert [r.query.get("page") for r in listings] == [None, "2", "3"]
    for listing in listings:
        assert listing.query["per_page"] == "100"
        assert listing.query["state"] == "all"
        assert (listing.query["order_by"], listing.query["sort"]) == ("updated_at", "desc")
        assert "labels" not in listing.query  # untagged work still counts in the figures


def test_every_record_kind_is_mapped_exactly(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    gitlab_world.add_group("acme/platform", members=["dana"])
    project = gitlab_world.add_project("acme/platform/infra", languages={"HCL": 100.0})
    merged = project.add_merge_request(
        title="Blue/green deploys for the payments API",
        description="Why: deploys dropped requests.\n\nHow: two target groups.",
        labels=["evidence::deployment", "infra"],
        state="merged",
        source_branch="feat/blue-green",
        milestone="Q3 reliability",
        assignees=["dana"],
        reviewers=["lee.reviewer", "sam-sre"],
    )
    squashed = project.add_merge_request(title="Squash me", state="merged", squash=True)
    draft = project.add_merge_request(title="Draft: canary", description=None, draft=True)
    closed = project.add_merge_request(title="Abandoned", state="closed", author="sam-sre")
    locked = project.add_merge_request(title="Merging right now", state="locked")
    first = project.add_commit("feat: retries with jitter\n\nEvidence: deployment\n")
    second = project.add_commit("fix typo", author_name="Sam Contractor")
    annotated = project.add_tag("v1.0.0", message="First stable")
    stable = project.add_release("v1.0.0", name="First stable", description="## Changes\n- all")
    lightweight = project.add_tag("v1.1.0-rc1")
    upcoming = project.add_release(
        "v2.0.0", name="", released_at=gitlab_world.now + timedelta(days=30)
    )
    forge = make_gitlab(groups=["acme"])
    repository = only_repository(forge)

    merge_requests = collect(forge, repository, Kind.MERGE_REQUEST)
    assert merge_requests == [
        expected_merge_request(fake_gitlab, project, mr)
        for mr in (locked, closed, draft, squashed, merged)  # most recently updated first
    ]
    assert [mr.state for mr in merge_requests if isinstance(mr, MergeRequest)] == [
        "open",
        "closed",
        "open",
        "merged",
        "merged",
    ]
    assert collect(forge, repository, Kind.COMMIT) == [
        expected_commit(fake_gitlab, project, commit) for commit in (second, first)
    ]
    assert collect(forge, repository, Kind.RELEASE) == [
        expected_release(fake_gitlab, project, upcoming, upcoming=True),
        expected_release(fake_gitlab, project, stable),
    ]
    tags = {t.title: t for t in collect(forge, repository, Kind.TAG)}
    assert tags == {
        tag.name: expected_tag(fake_gitlab, project, tag)
        for tag in (annotated, lightweight, project.tags[-1])
    }
    assert tags["v1.0.0"].created_at == annotated.created_at
    assert tags["v1.1.0-rc1"].created_at == lightweight.commit.committed_at
    commits = fake_gitlab.requests_to(f"/projects/{project.id}/repository/commits")
    assert commits[0].query["ref_name"] == "main"


def test_scoped_owner_labels_classify(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    project.add_merge_request(title="Alerting on queue depth", labels=["evidence::monitoring"])
    project.add_merge_request(title="Helm chart", labels=["evidence"], state="merged")
    project.add_merge_request(title="Untagged", labels=["evidence-ish"], state="merged")
    forge = make_gitlab(users=["dana"])
    repository = only_repository(forge)

    results = {
        item.title: classify(item, repository, Policy())
        for item in collect(forge, repository, Kind.MERGE_REQUEST)
    }

    scoped = results["Alerting on queue depth"]
    assert scoped.surfaced and scoped.categories == (Category.MONITORING,)
    assert [r.detail for r in scoped.reasons] == ["label 'evidence::monitoring'"]
    assert results["Helm chart"].surfaced
    assert not results["Untagged"].surfaced


def test_no_request_per_item(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    for name in ("ledger", "notes"):
        project = gitlab_world.add_project(f"dana/{name}", languages={"Python": 100.0})
        for number in range(5):
            # An explicit category needs no changed files (those are test_gitlab_signals').
            project.add_merge_request(
                title=f"MR {number}", labels=["evidence::deployment"], state="merged"
            )
            project.add_commit(f"commit {number}")
            project.add_tag(f"v{number}.0.0")
            project.add_release(f"v{number}.0.0")
    forge = make_gitlab(users=["dana"])

    items = [
        item
        for repository in listed(forge)
        for kind in forge.kinds
        for item in collect(forge, repository, kind)
    ]

    assert len(items) == 2 * 4 * 5
    # one listing page + per project: languages and one page per kind
    assert len(fake_gitlab.requests) == 1 + 2 * (1 + len(forge.kinds))
    assert forge.stats.requests == len(fake_gitlab.requests)


def test_empty_projects_and_disabled_features_cost_no_requests(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    empty = gitlab_world.add_project("dana/just-created", empty=True)
    empty.add_merge_request(title="Add a README")
    no_merge_requests = gitlab_world.add_project("dana/mirror", merge_requests_enabled=False)
    no_merge_requests.add_commit("mirrored")
    forge = make_gitlab(users=["dana"])

    repositories = {r.ref.path: r for r in listed(forge)}
    found = {
        (path, kind): collect(forge, repository, kind)
        for path, repository in repositories.items()
        for kind in forge.kinds
    }

    assert len(found[("dana/just-created", Kind.MERGE_REQUEST)]) == 1
    assert len(found[("dana/mirror", Kind.COMMIT)]) == 1
    assert sum(len(items) for items in found.values()) == 2
    assert sorted(fake_gitlab.paths()) == sorted(
        [
            "/users/dana/projects",
            f"/projects/{empty.id}/merge_requests",
            f"/projects/{empty.id}/issues",  # an issue tracker needs no repository
            f"/projects/{no_merge_requests.id}/languages",
            f"/projects/{no_merge_requests.id}/repository/commits",
            f"/projects/{no_merge_requests.id}/releases",
            f"/projects/{no_merge_requests.id}/repository/tags",
            f"/projects/{no_merge_requests.id}/deployments",
            f"/projects/{no_merge_requests.id}/jobs",
            f"/projects/{no_merge_requests.id}/issues",
            f"/projects/{no_merge_requests.id}/repository/tree",
        ]
    )
    assert forge.warnings == []


def test_hostile_content_round_trips_unchanged(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge
) -> None:
    hostile = "<script>alert('x')</script>\u202egnp.exe\u200b\u05e9\u05dc\u05d5\u05dd 🚀 " + (
        "\u00e9" * 3000
    )
    body = "<img src=x onerror=alert(1)>\n\"quotes\" & 'apostrophes' [x](javascript:alert(1))"
    project = gitlab_world.add_project("dana/ledger", description=hostile)
    mr = project.add_merge_request(
        title=hostile,
        description=body,
        labels=["<b>evidence</b>", "evidence::\u202edeployment"],
        source_branch="feat/<svg onload=alert(1)>",
    )
    folded = project.add_merge_request(title="Line one\nLine two\u2028three\r\n")
    release = project.add_release("v1.0.0-\u202ex", name=hostile, description=body)
    forge = make_gitlab(users=["dana"])
    repository = only_repository(forge)

    assert repository.description == hostile
    merge_requests = collect(forge, repository, Kind.MERGE_REQUEST)
    # An unknown category is no category: the rules decide, so its (no) files are read.
    assert merge_requests[1] == with_files(expected_merge_request(fake_gitlab, project, mr), [])
    assert merge_requests[0] == expected_merge_request(fake_gitlab, project, folded).model_copy(
        update={"title": "Line one Line two three"}
    )
    assert collect(forge, repository, Kind.RELEASE) == [
        expected_release(fake_gitlab, project, release)
    ]


# -- a self-managed instance under a path prefix -------------------------------------------


def test_an_instance_served_under_a_path_prefix(gitlab_world: GitLabWorld) -> None:
    gitlab_world.add_group("platform")
    project = gitlab_world.add_project("platform/infra")
    for number in range(1, 104):
        project.add_merge_request(title=f"Change {number}", state="merged")
    with FakeGitLab(gitlab_world, token=GITLAB_TOKEN, prefix="/gitlab") as fake:
        config = GitLabSource(forge="gitlab", url=fake.url + "/", groups=["platform"])
        forge = GitLabForge(config, GITLAB_TOKEN, limits=Limits(retries=0))
        repository = only_repository(forge)
        merge_requests = collect(forge, repository, Kind.MERGE_REQUEST)
        forge.close()

    assert fake.url.endswith("/gitlab")
    assert config.host == fake.host and fake.host.endswith("/gitlab")
    assert repository == expected_repository(fake, project)
    assert repository.url == f"{fake.url}/platform/infra"
    assert repository.ref == RepoRef(forge="gitlab", host=fake.host, path="platform/infra")
    assert str(repository.ref) == f"gitlab:{fake.host}/platform/infra"
    assert len(merge_requests) == 103
    assert merge_requests[0].url == f"{fake.url}/platform/infra/-/merge_requests/103"
    assert all(r.url_path.startswith("/gitlab/api/v4/") for r in fake.requests)
    assert all(r.status == 200 for r in fake.requests)
    assert [
        r.query.get("page") for r in fake.requests_to(f"/projects/{project.id}/merge_requests")
    ] == [None, "2"]
