"""The fake GitHub speaks GitHub: PyGithub's own objects parse its answers unmodified.

Other tests trust the fake; these keep it honest. Reading every attribute a
list entry carries must not make PyGithub ask for more (a field missing from
a payload would trigger a lazy completion request), and its paginator must
find its way through the fake's ``Link`` headers.
"""

from __future__ import annotations

import requests
from github import Auth, Github

from tests.collector.conftest import GITHUB_TOKEN
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld


def pygithub(fake: FakeGitHub, *, per_page: int = 30) -> Github:
    return Github(
        base_url=fake.api_url,
        auth=Auth.Token(GITHUB_TOKEN),
        per_page=per_page,
        retry=None,
        seconds_between_requests=None,
    )


def test_pygithub_reads_every_list_without_completing_objects(
    github_world: GitHubWorld, fake_github: FakeGitHub
) -> None:
    github_world.add_org("acme-corp", members=["dana-dev"])
    repo = github_world.add_repo("acme-corp/payments-api", topics=["payments"])
    for number in range(5):
        repo.add_pull(
            title=f"PR {number}",
            labels=["evidence"],
            merged=number % 2 == 0,
            milestone="Q3",
            assignees=["dana-dev"],
            requested_reviewers=["lee-reviewer"],
        )
    repo.add_commit("feat: one")
    repo.add_commit("fix: two", author=None, author_name="Sam Contractor")
    repo.add_release("v1.0.0", name="First")
    repo.add_tag("v1.0.0")
    gh = pygithub(fake_github, per_page=2)

    org_repos = gh.get_organization("acme-corp").get_repos()
    assert [(r.full_name, r.private, r.topics, r.owner.login) for r in org_repos] == [
        ("acme-corp/payments-api", False, ["payments"], "acme-corp")
    ]
    full = gh.get_repo("acme-corp/payments-api")
    assert (full.organization.login, full.default_branch, full.visibility) == (
        "acme-corp",
        "main",
        "public",
    )
    pulls = list(full.get_pulls(state="all", sort="created", direction="asc"))
    assert [p.number for p in pulls] == [1, 2, 3, 4, 5]
    first = pulls[0]
    assert (first.title, first.user.login, first.labels[0].name) == ("PR 0", "dana-dev", "evidence")
    assert (first.head.ref, first.base.ref, first.base.repo.full_name) == (
        "feature/1",
        "main",
        "acme-corp/payments-api",
    )
    assert first.merged_at is not None and first.milestone.title == "Q3"
    assert [u.login for u in first.requested_reviewers] == ["lee-reviewer"]
    assert first.assignee.login == "dana-dev" and first.draft is False
    commits = list(full.get_commits())
    assert [(c.commit.message, c.author.login if c.author else None) for c in commits] == [
        ("fix: two", None),
        ("feat: one", "dana-dev"),
    ]
    assert commits[0].commit.author.name == "Sam Contractor"
    (release,) = full.get_releases()
    assert (release.tag_name, release.name, release.author.login) == (
        "v1.0.0",
        "First",
        "dana-dev",
    )
    (tag,) = full.get_tags()
    assert (tag.name, tag.commit.sha) == ("v1.0.0", repo.tags[0].sha)
    assert gh.get_user().login == "dana-dev"

    # One request per page and nothing else: no object asked to be completed.
    assert fake_github.paths() == [
        "/orgs/acme-corp",
        "/orgs/acme-corp/repos",
        "/repos/acme-corp/payments-api",
        *["/repos/acme-corp/payments-api/pulls"] * 3,
        "/repos/acme-corp/payments-api/commits",
        "/repos/acme-corp/payments-api/releases",
        "/repos/acme-corp/payments-api/tags",
        "/user",
    ]
    gh.close()


def test_link_headers_are_absolute_and_complete(
    github_world: GitHubWorld, fake_github: FakeGitHub
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    for number in range(7):
        repo.add_pull(title=f"PR {number}")
    gh = pygithub(fake_github, per_page=3)
    pulls = gh.get_repo("dana-dev/ledger").get_pulls(state="all")

    assert pulls.totalCount == 7  # read from rel="last"
    response = requests.get(
        f"{fake_github.api_url}/repos/dana-dev/ledger/pulls?state=all&per_page=3&page=2",
        headers={"Authorization": f"Bearer {GITHUB_TOKEN}"},
        timeout=5,
    )
    link, body = response.headers["Link"], response.json()
    base = f"{fake_github.api_url}/repos/dana-dev/ledger/pulls?state=all&per_page=3"
    assert link == (
        f'<{base}&page=1>; rel="prev", <{base}&page=3>; rel="next", '
        f'<{base}&page=3>; rel="last", <{base}&page=1>; rel="first"'
    )
    assert len(body) == 3
    assert response.headers["X-RateLimit-Resource"] == "core"
    gh.close()


def test_wrong_or_missing_token_gets_githubs_401(fake_github: FakeGitHub) -> None:
    for headers in ({"Authorization": "token nope"}, {}):
        response = requests.get(f"{fake_github.api_url}/user", headers=headers, timeout=5)
        assert response.status_code == 401
        body = response.json()
        assert body["message"] in ("Bad credentials", "Requires authentication")
        assert body["documentation_url"].startswith("https://docs.github.com/")
        assert response.headers["X-RateLimit-Limit"] == "5000"


def test_conditional_requests_are_answered_304_and_cost_no_rate_limit(
    github_world: GitHubWorld, fake_github: FakeGitHub
) -> None:
    repo = github_world.add_repo("dana-dev/ledger")
    repo.add_pull(title="First")
    url = f"{fake_github.api_url}/repos/dana-dev/ledger/pulls?state=all"
    auth = {"Authorization": f"token {GITHUB_TOKEN}"}
    first = requests.get(url, headers=auth, timeout=5)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')

    again = requests.get(url, headers={**auth, "If-None-Match": etag}, timeout=5)

    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["ETag"] == etag
    assert again.headers["X-RateLimit-Remaining"] == first.headers["X-RateLimit-Remaining"]
    assert fake_github.rate_used == 1 and fake_github.not_modified_count == 1
    repo.update_pull(repo.pulls[0], title="First, retitled")
    changed = requests.get(url, headers={**auth, "If-None-Match": etag}, timeout=5)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert fake_github.rate_used == 2
    assert [r.conditional for r in fake_github.requests] == [False, True, True]
