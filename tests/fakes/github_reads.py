"""Every GitHub endpoint the collector calls and the fields its mappings read there.

The collector reads GitHub's JSON itself: PyGithub is only its transport
(``Requester.requestJson``), no PyGithub object is ever built, so there is no
attribute to map back to a field; the paths below are the JSON the mappings
read (``collector.forges.github``: ``mapping``, ``signal_mapping``, ``forge``,
``signals``, ``changed_files``). ``scripts/github_openapi_fields.py`` looks each
one up in GitHub's published OpenAPI description and writes down whether it may
be null or left out (``github_openapi_fields.json``); the audit in
``tests/collector/test_forge_reads.py`` makes sure the fake sends each such path
null, and left out, at least once, and ``test_forge_reads`` fails when a mapping
reads a key that no path here names.

``GET /repos/{owner}/{repo}/languages`` is called too, but its answer is a map
from language names to sizes with no fixed field: nothing to list.
"""

from __future__ import annotations

from tests.fakes.reads import Json, Reads

# What the listings and GET /repos/{owner}/{repo} are read for: ``forge._keep``,
# ``forge._languages`` and ``mapping.repository``.
_REPOSITORY = (
    "id",
    "full_name",
    "private",
    "visibility",
    "fork",
    "archived",
    "description",
    "html_url",
    "default_branch",
    "topics",
    "stargazers_count",
    "created_at",
    "updated_at",
    "pushed_at",
)


def _items(paths: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"[].{path}" for path in paths)


def _is_list(body: Json) -> bool:
    return isinstance(body, list)


def _is_file(body: Json) -> bool:
    return isinstance(body, dict) and body.get("type") == "file"


READS: tuple[Reads, ...] = (
    Reads("GET /user", ("login",), "forge._viewer_login"),
    Reads("GET /users/{username}/repos", _items(_REPOSITORY), "mapping.repository"),
    Reads("GET /user/repos", _items(_REPOSITORY), "mapping.repository"),
    Reads("GET /orgs/{org}/repos", _items(_REPOSITORY), "mapping.repository"),
    Reads("GET /repos/{owner}/{repo}", _REPOSITORY, "mapping.repository"),
    Reads(
        "GET /repos/{owner}/{repo}/pulls",
        _items(
            (
                "number",
                "state",
                "merged_at",
                "closed_at",
                "created_at",
                "updated_at",
                "html_url",
                "title",
                "body",
                "draft",
                "user.login",
                "labels[].name",
                "head.ref",
                "head.sha",
                "base.ref",
                "merge_commit_sha",
                "author_association",
                "milestone.title",
                "requested_reviewers[].login",
                "assignees[].login",
            )
        ),
        "mapping.merge_request",
    ),
    Reads(
        # Also the commits that touched an ADR file (``?path=``): signal_mapping.file_commit.
        "GET /repos/{owner}/{repo}/commits",
        _items(
            (
                "sha",
                "html_url",
                "author.login",
                "commit.message",
                "commit.author.name",
                "commit.author.date",
                "commit.committer.date",
            )
        ),
        "mapping.commit, signal_mapping.file_commit",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/commits/{ref}",
        ("files[].filename", "files[].previous_filename"),
        "changed_files (signal_mapping.file_pairs)",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/releases",
        _items(
            (
                "tag_name",
                "name",
                "html_url",
                "author.login",
                "created_at",
                "updated_at",
                "published_at",
                "body",
                "draft",
                "prerelease",
            )
        ),
        "mapping.release",
    ),
    Reads("GET /repos/{owner}/{repo}/tags", _items(("name", "commit.sha")), "mapping.tag"),
    Reads(
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
        _items(("filename", "previous_filename")),
        "changed_files (signal_mapping.file_pairs)",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/deployments",
        _items(
            (
                "id",
                "environment",
                "ref",
                "sha",
                "task",
                "description",
                "creator.login",
                "created_at",
                "updated_at",
                "production_environment",
                "transient_environment",
            )
        ),
        "signal_mapping.deployment",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        _items(("state", "created_at", "environment_url", "log_url", "target_url")),
        "signal_mapping.with_statuses",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/actions/workflows",
        ("workflows[].id", "workflows[].name", "workflows[].path"),
        "signal_mapping.workflows",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
        tuple(
            f"workflow_runs[].{path}"
            for path in (
                "id",
                "name",
                "path",
                "display_title",
                "head_branch",
                "head_sha",
                "html_url",
                "event",
                "conclusion",
                "run_number",
                "run_attempt",
                "actor.login",
                "triggering_actor.login",
                "created_at",
                "updated_at",
            )
        ),
        "signal_mapping.workflow_runs, signal_mapping.workflow_run",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/issues",
        _items(
            (
                "number",
                "state",
                "state_reason",
                "title",
                "body",
                "html_url",
                "user.login",
                "labels[].name",
                "created_at",
                "updated_at",
                "closed_at",
                "closed_by.login",
                "pull_request",
            )
        ),
        "signal_mapping.incident, signal_mapping.is_pull_request",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
        ("truncated", "tree[].path", "tree[].type", "tree[].sha"),
        "signal_mapping.tree_files",
    ),
    Reads(
        "GET /repos/{owner}/{repo}/contents/{path}",
        _items(("path", "type", "sha")),
        "signal_mapping.contents_entries",
        variant="content-directory",
        shape=_is_list,
    ),
    Reads(
        "GET /repos/{owner}/{repo}/contents/{path}",
        ("encoding", "content"),
        "signal_mapping.file_text",
        variant="content-file",
        shape=_is_file,
    ),
)
