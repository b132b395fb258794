"""Full-shape GitHub REST JSON for the fake, modelled field by field on real responses.

The field sets follow the REST API's documented examples (API version
2022-11-28): simple-user, repository (list and full), pull-request-simple,
commit, release, tag, label and milestone. Clients under test must cope with
everything a real answer carries, not just the fields they read, so nothing is
trimmed. URLs point at the fake's own API and web roots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from tests.fakes.github_world import (
    Account,
    FakeCommit,
    FakePull,
    FakeRelease,
    FakeRepo,
    FakeTag,
    GitHubWorld,
    fake_sha,
    stable_id,
)
from tests.fakes.shapes import shaped

JsonDict = dict[str, Any]
DOCS = "https://docs.github.com/rest"

LABEL_COLOURS = ("d73a4a", "0075ca", "a2eeef", "7057ff", "008672", "e4e669")


@dataclass(frozen=True)
class Urls:
    """Roots the payloads link to: the API (with any /api/v3 prefix) and the web UI."""

    api: str
    web: str


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    return f"{kind}_kw{number:010d}"


def error(message: str, status: int, documentation_url: str = DOCS) -> JsonDict:
    """GitHub's error body; the status is a string in real answers."""
    return {"message": message, "documentation_url": documentation_url, "status": str(status)}


def simple_user(login: str, urls: Urls, *, type: str = "User") -> JsonDict:
    user_id = stable_id("account", login.lower())
    api = f"{urls.api}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id("U" if type == "User" else "O", user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.web}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": type,
        "user_view_type": "public",
        "site_admin": False,
    }


def account_user(account: Account, urls: Urls) -> JsonDict:
    return simple_user(account.login, urls, type=account.type)


def private_user(account: Account, world: GitHubWorld, urls: Urls) -> JsonDict:
    """``GET /user``: the public profile plus the fields only its owner sees."""
    owned = world.owned_by(account.login)
    return {
        **simple_user(account.login, urls),
        "name": account.name,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "notification_email": None,
        "public_repos": sum(not repo.private for repo in owned),
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": "2015-03-04T10:00:00Z",
        "updated_at": "2024-01-01T09:00:00Z",
        "private_gists": 0,
        "total_private_repos": sum(repo.private for repo in owned),
        "owned_private_repos": sum(repo.private for repo in owned),
        "disk_usage": 1024,
        "collaborators": 0,
        "two_factor_authentication": True,
        "plan": {"name": "pro", "space": 976562499, "collaborators": 0, "private_repos": 9999},
    }


def organization(account: Account, urls: Urls) -> JsonDict:
    api = f"{urls.api}/orgs/{account.login}"
    return {
        "login": account.login,
        "id": account.id,
        "node_id": node_id("O", account.id),
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{account.id}?v=4",
        "description": None,
        "name": account.name,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "twitter_username": None,
        "is_verified": False,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": f"{urls.web}/{account.login}",
        "created_at": "2016-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "archived_at": None,
        "type": "Organization",
    }


def repository(repo: FakeRepo, world: GitHubWorld, urls: Urls, *, full: bool = False) -> JsonDict:
    """A repository as the lists serve it; ``full``: as ``GET /repos/{o}/{r}`` does."""
    owner = world.accounts[repo.owner.lower()]
    api = f"{urls.api}/repos/{repo.full_name}"
    html = f"{urls.web}/{repo.full_name}"
    host = urls.web.split("://", 1)[1]
    open_issues = sum(pull.state == "open" for pull in repo.pulls)
    payload: JsonDict = {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": account_user(owner, urls),
        "html_url": html,
        "description": repo.description,
        "fork": repo.fork,
        "url": api,
        "forks_url": f"{api}/forks",
        "keys_url": f"{api}/keys{{/key_id}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "teams_url": f"{api}/teams",
        "hooks_url": f"{api}/hooks",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "events_url": f"{api}/events",
        "assignees_url": f"{api}/assignees{{/user}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "tags_url": f"{api}/tags",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "languages_url": f"{api}/languages",
        "stargazers_url": f"{api}/stargazers",
        "contributors_url": f"{api}/contributors",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "commits_url": f"{api}/commits{{/sha}}",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "comments_url": f"{api}/comments{{/number}}",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "merges_url": f"{api}/merges",
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "downloads_url": f"{api}/downloads",
        "issues_url": f"{api}/issues{{/number}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "labels_url": f"{api}/labels{{/name}}",
        "releases_url": f"{api}/releases{{/id}}",
        "deployments_url": f"{api}/deployments",
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.updated_at),
        "pushed_at": iso(repo.pushed_at),
        "git_url": f"git://{host}/{repo.full_name}.git",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "homepage": repo.homepage,
        "size": sum(repo.languages.values()) // 1024,
        "stargazers_count": repo.stars,
        "watchers_count": repo.stars,
        "language": repo.language,
        "has_issues": True,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": True,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": repo.archived,
        "disabled": False,
        "open_issues_count": open_issues,
        "license": {
            "key": "mit",
            "name": "MIT License",
            "spdx_id": "MIT",
            "url": f"{urls.api}/licenses/mit",
            "node_id": "MDc6TGljZW5zZTEz",
        },
        "allow_forking": True,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": list(repo.topics),
        "visibility": repo.visibility,
        "forks": 0,
        "open_issues": open_issues,
        "watchers": repo.stars,
        "default_branch": repo.default_branch,
        "permissions": {
            "admin": True,
            "maintain": True,
            "push": True,
            "triage": True,
            "pull": True,
        },
    }
    if full:
        payload.update(_full_repository_fields(repo, owner, urls))
    return shaped(payload, repo.nulls, repo.absent)


def _full_repository_fields(repo: FakeRepo, owner: Account, urls: Urls) -> JsonDict:
    fields: JsonDict = {
        "allow_squash_merge": True,
        "allow_merge_commit": True,
        "allow_rebase_merge": True,
        "allow_auto_merge": False,
        "delete_branch_on_merge": True,
        "allow_update_branch": False,
        "use_squash_pr_title_as_default": False,
        "squash_merge_commit_message": "COMMIT_MESSAGES",
        "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
        "merge_commit_message": "PR_TITLE",
        "merge_commit_title": "MERGE_MESSAGE",
        "custom_properties": {},
        "security_and_analysis": {
            "secret_scanning": {"status": "enabled"},
            "secret_scanning_push_protection": {"status": "enabled"},
            "dependabot_security_updates": {"status": "disabled"},
        },
        "temp_clone_token": "",
        "network_count": 0,
        "subscribers_count": 1,
    }
    if owner.is_org:
        fields["organization"] = account_user(owner, urls)
    return fields


def label(name: str, repo: FakeRepo, urls: Urls) -> JsonDict:
    label_id = stable_id("label", repo.full_name.lower(), name)
    return {
        "id": label_id,
        "node_id": node_id("LA", label_id),
        "url": f"{urls.api}/repos/{repo.full_name}/labels/{quote(name, safe='')}",
        "name": name,
        "color": LABEL_COLOURS[label_id % len(LABEL_COLOURS)],
        "default": name in ("bug", "documentation", "enhancement"),
        "description": None,
    }


def milestone(title: str, repo: FakeRepo, world: GitHubWorld, urls: Urls) -> JsonDict:
    milestone_id = stable_id("milestone", repo.full_name.lower(), title)
    number = milestone_id % 100 + 1
    api = f"{urls.api}/repos/{repo.full_name}/milestones/{number}"
    return {
        "url": api,
        "html_url": f"{urls.web}/{repo.full_name}/milestone/{number}",
        "labels_url": f"{api}/labels",
        "id": milestone_id,
        "node_id": node_id("MI", milestone_id),
        "number": number,
        "state": "open",
        "title": title,
        "description": None,
        "creator": simple_user(world.viewer, urls),
        "open_issues": 1,
        "closed_issues": 0,
        "created_at": "2024-01-01T09:00:00Z",
        "updated_at": "2024-01-01T09:00:00Z",
        "closed_at": None,
        "due_on": None,
    }


def pull(
    pr: FakePull,
    repo: FakeRepo,
    world: GitHubWorld,
    urls: Urls,
    *,
    repo_payload: JsonDict | None = None,
) -> JsonDict:
    """One entry of ``GET /repos/{o}/{r}/pulls`` (pull-request-simple).

    ``repo_payload``: ``repository(repo, ...)`` computed once for a whole page.
    """
    return shaped(_pull(pr, repo, world, urls, repo_payload), pr.nulls, pr.absent)


def _pull(
    pr: FakePull,
    repo: FakeRepo,
    world: GitHubWorld,
    urls: Urls,
    repo_payload: JsonDict | None,
) -> JsonDict:
    shown = repo_payload if repo_payload is not None else repository(repo, world, urls)
    api = f"{urls.api}/repos/{repo.full_name}"
    html = f"{urls.web}/{repo.full_name}/pull/{pr.number}"
    pull_id = stable_id("pull", repo.full_name.lower(), str(pr.number))
    self_url = f"{api}/pulls/{pr.number}"
    statuses_url = f"{api}/statuses/{pr.head_sha}"
    assignees = [simple_user(login, urls) for login in pr.assignees]
    return {
        "url": self_url,
        "id": pull_id,
        "node_id": node_id("PR", pull_id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{pr.number}",
        "commits_url": f"{self_url}/commits",
        "review_comments_url": f"{self_url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{pr.number}/comments",
        "statuses_url": statuses_url,
        "number": pr.number,
        "state": pr.state,
        "locked": False,
        "title": pr.title,
        "user": simple_user(pr.author, urls) if pr.author else None,
        "body": pr.body,
        "labels": [label(name, repo, urls) for name in pr.labels],
        "milestone": milestone(pr.milestone, repo, world, urls) if pr.milestone else None,
        "active_lock_reason": None,
        "created_at": iso(pr.created_at),
        "updated_at": iso(pr.updated_at),
        "closed_at": iso(pr.closed_at),
        "merged_at": iso(pr.merged_at),
        "merge_commit_sha": pr.merge_commit_sha,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "requested_reviewers": [simple_user(login, urls) for login in pr.requested_reviewers],
        "requested_teams": [],
        "head": _branch(pr.head_ref, pr.head_sha, repo, world, urls, shown),
        "base": _branch(
            pr.base_ref, fake_sha(repo.full_name, "base", pr.base_ref), repo, world, urls, shown
        ),
        "_links": {
            "self": {"href": self_url},
            "html": {"href": html},
            "issue": {"href": f"{api}/issues/{pr.number}"},
            "comments": {"href": f"{api}/issues/{pr.number}/comments"},
            "review_comments": {"href": f"{self_url}/comments"},
            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
            "commits": {"href": f"{self_url}/commits"},
            "statuses": {"href": statuses_url},
        },
        "author_association": pr.author_association,
        "auto_merge": None,
        "draft": pr.draft,
    }


def _branch(
    ref: str, sha: str, repo: FakeRepo, world: GitHubWorld, urls: Urls, shown: JsonDict
) -> JsonDict:
    owner = world.accounts[repo.owner.lower()]
    return {
        "label": f"{repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": account_user(owner, urls),
        "repo": shown,
    }


def pull_detail(pr: FakePull, repo: FakeRepo, world: GitHubWorld, urls: Urls) -> JsonDict:
    """``GET /repos/{o}/{r}/pulls/{n}``: the list entry plus what only the detail carries."""
    merged_by = simple_user(world.viewer, urls) if pr.merged_at else None
    return {
        **pull(pr, repo, world, urls),
        "merged": pr.merged_at is not None,
        "mergeable": None if pr.state == "closed" else True,
        "rebaseable": None if pr.state == "closed" else True,
        "mergeable_state": "unknown" if pr.state == "closed" else "clean",
        "merged_by": merged_by,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 10 + pr.number % 90,
        "deletions": pr.number % 17,
        "changed_files": 1 + pr.number % 5,
    }


def _git_person(name: str, email: str, moment: datetime) -> JsonDict:
    return {"name": name, "email": email, "date": iso(moment)}


def commit(entry: FakeCommit, repo: FakeRepo, urls: Urls) -> JsonDict:
    """One entry of ``GET /repos/{o}/{r}/commits``."""
    return shaped(_commit(entry, repo, urls), entry.nulls, entry.absent, entry.emptied)


def _commit(entry: FakeCommit, repo: FakeRepo, urls: Urls) -> JsonDict:
    api = f"{urls.api}/repos/{repo.full_name}"
    tree = fake_sha(repo.full_name, "tree", entry.sha)
    author = simple_user(entry.author_login, urls) if entry.author_login else None
    return {
        "sha": entry.sha,
        "node_id": node_id("C", stable_id("commit", entry.sha)),
        "commit": {
            "author": _git_person(entry.author_name, entry.author_email, entry.authored_at),
            "committer": _git_person(
                entry.committer_name, "noreply@github.com", entry.committed_at
            ),
            "message": entry.message,
            "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
            "url": f"{api}/git/commits/{entry.sha}",
            "comment_count": 0,
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        "url": f"{api}/commits/{entry.sha}",
        "html_url": f"{urls.web}/{repo.full_name}/commit/{entry.sha}",
        "comments_url": f"{api}/commits/{entry.sha}/comments",
        "author": author,
        "committer": simple_user("web-flow", urls),
        "parents": [
            {
                "sha": parent,
                "url": f"{api}/commits/{parent}",
                "html_url": f"{urls.web}/{repo.full_name}/commit/{parent}",
            }
            for parent in entry.parents
        ],
    }


def release(entry: FakeRelease, repo: FakeRepo, urls: Urls) -> JsonDict:
    """One entry of ``GET /repos/{o}/{r}/releases``."""
    return shaped(_release(entry, repo, urls), entry.nulls, entry.absent)


def _release(entry: FakeRelease, repo: FakeRepo, urls: Urls) -> JsonDict:
    api = f"{urls.api}/repos/{repo.full_name}/releases/{entry.id}"
    tag = quote(entry.tag, safe="/")
    return {
        "url": api,
        "assets_url": f"{api}/assets",
        "upload_url": f"{urls.api}/repos/{repo.full_name}/releases/{entry.id}/assets"
        "{?name,label}",
        "html_url": f"{urls.web}/{repo.full_name}/releases/tag/{tag}",
        "id": entry.id,
        "author": simple_user(entry.author, urls),
        "node_id": node_id("RE", entry.id),
        "tag_name": entry.tag,
        "target_commitish": entry.target_commitish,
        "name": entry.name,
        "draft": entry.draft,
        "immutable": False,
        "prerelease": entry.prerelease,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.published_at or entry.created_at),
        "published_at": iso(entry.published_at),
        "assets": [],
        "tarball_url": f"{urls.api}/repos/{repo.full_name}/tarball/{tag}",
        "zipball_url": f"{urls.api}/repos/{repo.full_name}/zipball/{tag}",
        "body": entry.body,
        "mentions_count": 0,
    }


def tag(entry: FakeTag, repo: FakeRepo, urls: Urls) -> JsonDict:
    """One entry of ``GET /repos/{o}/{r}/tags``."""
    api = f"{urls.api}/repos/{repo.full_name}"
    name = quote(entry.name, safe="/")
    return {
        "name": entry.name,
        "zipball_url": f"{api}/zipball/refs/tags/{name}",
        "tarball_url": f"{api}/tarball/refs/tags/{name}",
        "commit": {"sha": entry.sha, "url": f"{api}/commits/{entry.sha}"},
        "node_id": node_id("REF", stable_id("tag", repo.full_name.lower(), entry.name)),
    }
