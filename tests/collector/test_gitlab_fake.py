"""The fake GitLab speaks GitLab: python-gitlab's own managers read its answers unmodified.

Other tests trust the fake; these keep it honest: its pagination headers,
keyset links, filters, encoded paths and error bodies are what python-gitlab
(and GitLab's documentation) expect.
"""

from __future__ import annotations

import hashlib

import gitlab
import pytest
import requests

from tests.collector.conftest import GITLAB_TOKEN
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld


def python_gitlab(fake: FakeGitLab, *, per_page: int = 20) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.url, private_token=GITLAB_TOKEN, per_page=per_page)


def test_python_gitlab_reads_groups_projects_and_their_lists(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    gitlab_world.add_group("acme/platform", members=["dana"])
    infra = gitlab_world.add_project("acme/platform/infra", topics=["terraform"])
    gitlab_world.add_project("acme/site")
    gitlab_world.add_project("acme/platform/secret", visibility="private")
    gitlab_world.add_project("acme/handbook", visibility="internal")
    for number in range(5):
        infra.add_merge_request(
            title=f"MR {number}",
            labels=["evidence::deployment"] if number % 2 else ["chore"],
            state="merged" if number % 2 else "opened",
            reviewers=["lee"],
        )
    infra.add_commit("feat: one")
    infra.add_tag("v1.0.0", message="First")
    infra.add_release("v1.0.0", name="First")
    gl = python_gitlab(fake_gitlab, per_page=2)

    group = gl.groups.get("acme")
    listed = group.projects.list(iterator=True, include_subgroups=True, order_by="id", sort="asc")
    assert [p.path_with_namespace for p in listed] == [
        "acme/platform/infra",
        "acme/site",
        "acme/platform/secret",  # dana is a member of acme/platform
        "acme/handbook",  # internal: every signed-in user sees it
    ]
    public = group.projects.list(get_all=True, include_subgroups=True, visibility="public")
    assert {p.path_with_namespace for p in public} == {"acme/platform/infra", "acme/site"}
    assert [p.path for p in group.projects.list(get_all=True)] == ["handbook", "site"]
    assert [g.full_path for g in group.subgroups.list(get_all=True)] == ["acme/platform"]

    project = gl.projects.get("acme/platform/infra")
    assert (project.id, project.topics, project.empty_repo) == (infra.id, ["terraform"], False)
    tagged = project.mergerequests.list(get_all=True, state="all", labels="evidence::deployment")
    assert [mr.iid for mr in tagged] == [4, 2]
    assert [mr.iid for mr in project.mergerequests.list(get_all=True, state="opened")] == [5, 3, 1]
    assert tagged[0].references["full"] == "acme/platform/infra!4"
    assert tagged[0].reviewers[0]["username"] == "lee"
    (tag,) = project.tags.list(get_all=True)
    assert (tag.name, tag.commit["id"], tag.release["tag_name"]) == (
        "v1.0.0",
        infra.commits[0].sha,
        "v1.0.0",
    )
    (release,) = project.releases.list(get_all=True)
    assert release._links["self"] == f"{fake_gitlab.url}/acme/platform/infra/-/releases/v1.0.0"
    assert [c.title for c in project.commits.list(get_all=True)] == ["feat: one"]


def test_offset_pages_carry_gitlabs_headers(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    for number in range(7):
        project.add_merge_request(title=f"MR {number}")
    url = f"{fake_gitlab.api_url}/projects/{project.id}/merge_requests"

    response = requests.get(
        url, params={"per_page": 3, "page": 2}, headers={"PRIVATE-TOKEN": GITLAB_TOKEN}, timeout=5
    )

    headers = response.headers
    assert (headers["X-Page"], headers["X-Per-Page"], headers["X-Total"]) == ("2", "3", "7")
    assert (headers["X-Next-Page"], headers["X-Prev-Page"], headers["X-Total-Pages"]) == (
        "3",
        "1",
        "3",
    )
    assert response.links["next"]["url"] == f"{url}?page=3&per_page=3"
    assert response.links["last"]["url"] == f"{url}?page=3&per_page=3"
    assert headers["RateLimit-Limit"] == "2000"
    assert [mr["iid"] for mr in response.json()] == [4, 3, 2]
    last = requests.get(
        url, params={"per_page": 3, "page": 3}, headers={"PRIVATE-TOKEN": GITLAB_TOKEN}, timeout=5
    )
    assert last.headers["X-Next-Page"] == "" and "next" not in last.links


def test_keyset_pagination_only_where_gitlab_offers_it(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    for number in range(3):
        gitlab_world.add_project(f"dana/p{number}")
    gitlab_world.add_group("acme")
    gitlab_world.add_project("acme/site")
    gl = python_gitlab(fake_gitlab, per_page=2)

    user = gl.users.list(username="dana")[0]
    keyset = user.projects.list(iterator=True, pagination="keyset", order_by="id", sort="asc")
    assert [p.path for p in keyset] == ["p0", "p1", "p2"]
    with pytest.raises(gitlab.exceptions.GitlabListError, match="405"):
        gl.groups.get("acme").projects.list(get_all=True, pagination="keyset", order_by="id")


def test_errors_have_gitlabs_shape(gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab) -> None:
    gitlab_world.add_group("acme")
    gitlab_world.add_project("acme/site")

    def get(path: str, token: str | None = GITLAB_TOKEN) -> requests.Response:
        headers = {"PRIVATE-TOKEN": token} if token else {}
        return requests.get(f"{fake_gitlab.api_url}{path}", headers=headers, timeout=5)

    assert (get("/user", "wrong").status_code, get("/user", "wrong").json()) == (
        401,
        {"message": "401 Unauthorized"},
    )
    assert get("/user", None).status_code == 401
    assert get("/groups/ghost").json() == {"message": "404 Group Not Found"}
    assert get("/projects/acme%2Fghost").json() == {"message": "404 Project Not Found"}
    assert get("/users/ghost/projects").json() == {"message": "404 User Not Found"}
    # A namespaced path must be encoded, as on GitLab: a bare slash is another route.
    assert get("/projects/acme%2Fsite").status_code == 200
    assert get("/projects/acme/site").json() == {"error": "404 Not Found"}

    fake_gitlab.throttle("/user", retry_after=30)
    throttled = get("/user")
    assert (throttled.status_code, throttled.text) == (429, "Retry later\n")
    assert throttled.headers["Retry-After"] == "30"


def get_api(
    fake: FakeGitLab, path: str, headers: dict[str, str] | None = None, **params: str
) -> requests.Response:
    return requests.get(
        f"{fake.api_url}{path}",
        params=params,
        headers={"PRIVATE-TOKEN": GITLAB_TOKEN, **(headers or {})},
        timeout=5,
    )


def test_a_matching_if_none_match_is_answered_304_and_still_costs_rate_limit(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    for number in range(3):
        project.add_merge_request(title=f"MR {number}")
    path = f"/projects/{project.id}/merge_requests"

    first = get_api(fake_gitlab, path, per_page="2")
    etag = first.headers["ETag"]
    # Rack::ETag: weak, the first 32 hex digits of the body's SHA-256.
    assert etag == f'W/"{hashlib.sha256(first.content).hexdigest()[:32]}"'
    again = get_api(fake_gitlab, path, {"If-None-Match": etag}, per_page="2")

    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["ETag"] == etag
    # Rack::ConditionalGet keeps the other headers: the rate limit and the pagination.
    assert again.headers["RateLimit-Remaining"] == "1998"
    assert again.headers["X-Next-Page"] == "2"
    assert "Content-Type" not in again.headers
    assert (fake_gitlab.rate_used, fake_gitlab.request_count) == (2, 2)
    assert fake_gitlab.not_modified_count == 1
    assert [(r.status, r.conditional) for r in fake_gitlab.requests] == [
        (200, False),
        (304, True),
    ]

    project.add_merge_request(title="A new one")  # the first page changes
    changed = get_api(fake_gitlab, path, {"If-None-Match": etag}, per_page="2")
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale = get_api(fake_gitlab, path, {"If-None-Match": 'W/"other"'}, per_page="2")
    assert stale.status_code == 200 and fake_gitlab.not_modified_count == 1


def test_errors_and_raw_files_carry_no_etag(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    project.add_file("README.md", "# Ledger\n")

    raw = get_api(fake_gitlab, f"/projects/{project.id}/repository/files/README.md/raw")
    missing = get_api(fake_gitlab, "/projects/9999")

    assert raw.status_code == 200 and "ETag" not in raw.headers
    assert missing.status_code == 404 and "ETag" not in missing.headers


def test_the_default_branch_answers_with_its_newest_commit(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    project = gitlab_world.add_project("dana/ledger", default_branch="release/2024")
    project.add_commit("first")
    newest = project.add_commit("feat: second\n\nWith a body.")
    gl = python_gitlab(fake_gitlab)

    branch = gl.projects.get(project.id).branches.get("release/2024")  # sent as release%2F2024

    assert (branch.name, branch.default, branch.protected, branch.merged) == (
        "release/2024",
        True,
        True,
        False,
    )
    assert branch.can_push is True  # dana's own project
    assert branch.web_url == f"{fake_gitlab.url}/dana/ledger/-/tree/release/2024"
    commit = branch.commit
    assert (commit["id"], commit["short_id"], commit["title"]) == (
        newest.sha,
        newest.sha[:8],
        "feat: second",
    )
    assert commit["parent_ids"] == [project.commits[0].sha]
    assert set(commit) >= {"authored_date", "committed_date", "trailers", "extended_trailers"}
    assert (
        fake_gitlab.requests[-1].path
        == f"/projects/{project.id}/repository/branches/release%2F2024"
    )


def test_an_unknown_branch_or_an_empty_repository_has_no_branch(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    empty = gitlab_world.add_project("dana/empty")
    project.add_commit("first")

    unknown = get_api(fake_gitlab, f"/projects/{project.id}/repository/branches/feature%2Fx")
    no_commits = get_api(fake_gitlab, f"/projects/{empty.id}/repository/branches/main")

    for answer in (unknown, no_commits):
        assert (answer.status_code, answer.json()) == (404, {"message": "404 Branch Not Found"})


def test_updated_after_and_since_are_inclusive(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab
) -> None:
    project = gitlab_world.add_project("dana/ledger")
    requests_ = [project.add_merge_request(title=f"MR {n}") for n in range(3)]
    commits = [project.add_commit(f"commit {n}") for n in range(3)]
    middle_mr, middle_commit = requests_[1].updated_at, commits[1].committed_at

    updated = get_api(
        fake_gitlab,
        f"/projects/{project.id}/merge_requests",
        updated_after=middle_mr.isoformat().replace("+00:00", "Z"),
        order_by="updated_at",
        sort="asc",
    )
    since = get_api(
        fake_gitlab,
        f"/projects/{project.id}/repository/commits",
        since=middle_commit.replace(tzinfo=None).isoformat(),  # naive: UTC, as on GitLab
    )

    assert [mr["iid"] for mr in updated.json()] == [2, 3]
    assert [c["id"] for c in since.json()] == [commits[2].sha, commits[1].sha]
