"""Every GitLab endpoint the collector calls, the fields it reads, and what GitLab says of them.

GitLab publishes no OpenAPI description of its whole v4 REST API (its
``openapi_v2.yaml`` covers a few endpoints and says nothing of nulls), so this
table carries, per read path, whether GitLab may send it null or leave it out,
with where that is written: the API docs (``doc/api/*.md`` in gitlab-org/gitlab,
as served on docs.gitlab.com) or, where the docs are silent, the Grape entity
that renders the answer (``lib/api/entities/*.rb``). A path marked neither is
one the docs show always present. The audit in
``tests/collector/test_forge_reads.py`` holds the fake to the table: each
nullable path is served null, and each optional one left out, at least once.

The collector reads GitLab's JSON itself through python-gitlab's ``http_get``
and ``http_list`` (``collector.forges.gitlab.client``): no python-gitlab object
attribute is read, so the paths below are the JSON. Not listed:
``/projects/:id/languages`` (a map of language names to shares) and
``/repository/files/:file_path/raw`` (the file's bytes, not JSON).
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.fakes.reads import FieldSpec, Reads

PLAIN = FieldSpec(nullable=False, required=True)


def null(doc: str) -> FieldSpec:
    return FieldSpec(nullable=True, required=True, doc=doc)


def optional(doc: str) -> FieldSpec:
    return FieldSpec(nullable=False, required=False, doc=doc)


def null_or_optional(doc: str) -> FieldSpec:
    return FieldSpec(nullable=True, required=False, doc=doc)


# -- projects: /groups/:id/projects, /users/:user_id/projects and /projects/:id ----------------

_ACCESS_LEVEL = optional(
    "doc/api/projects.md: the *_access_level fields are absent from older GitLab answers "
    "(none in the GitLab 12 examples; releases_ and environments_access_level came in 15.x)"
)
_PROJECT: dict[str, FieldSpec] = {
    "id": PLAIN,
    "path_with_namespace": PLAIN,
    "visibility": PLAIN,
    "archived": PLAIN,
    "empty_repo": PLAIN,
    "web_url": PLAIN,
    "star_count": PLAIN,
    "created_at": PLAIN,
    "description": null('doc/api/projects.md examples: "description": null (never set)'),
    "default_branch": null(
        "lib/api/entities/basic_project_details.rb exposes Project#default_branch: nil "
        "while the repository is empty (no branch yet)"
    ),
    "last_activity_at": null(
        "app/models/project.rb: last_activity_at may be unset (last_activity_date falls "
        "back to other times); the column allows NULL"
    ),
    "updated_at": optional("doc/api/projects.md: not in the answers of older GitLab (GitLab 12)"),
    "topics": optional("doc/api/projects.md: topics came in GitLab 14.0; older send tag_list"),
    "tag_list": optional(
        "doc/api/projects.md: tag_list deprecated in GitLab 14.0 for topics, removed in API v5"
    ),
    "forked_from_project": optional(
        "lib/api/entities/project_details.rb: exposed only for a fork whose upstream the "
        "user can read"
    ),
    "forked_from_project.path_with_namespace": PLAIN,
    "merge_requests_enabled": PLAIN,
    "jobs_enabled": PLAIN,
    "issues_enabled": PLAIN,
    "merge_requests_access_level": _ACCESS_LEVEL,
    "repository_access_level": _ACCESS_LEVEL,
    "releases_access_level": _ACCESS_LEVEL,
    "builds_access_level": _ACCESS_LEVEL,
    "issues_access_level": _ACCESS_LEVEL,
    "environments_access_level": _ACCESS_LEVEL,
}

_USER = {"username": PLAIN}  # UserBasic: username always present when the user is


def _under(prefix: str, fields: Mapping[str, FieldSpec]) -> dict[str, FieldSpec]:
    return {f"{prefix}.{path}" if prefix else path: spec for path, spec in fields.items()}


_MERGE_REQUEST: dict[str, FieldSpec] = {
    "iid": PLAIN,
    "state": PLAIN,
    "title": PLAIN,
    "web_url": PLAIN,
    "created_at": PLAIN,
    "updated_at": PLAIN,
    "source_branch": PLAIN,
    "target_branch": PLAIN,
    "sha": PLAIN,
    "labels": PLAIN,
    "description": null(
        "lib/api/entities/issuable_entity.rb exposes the description as stored: null when "
        "the merge request was created through the API without one"
    ),
    "merged_at": null(
        "doc/api/merge_requests.md: null until merged; gitlab#412956: null for some merged "
        "merge requests too (metrics row missing)"
    ),
    "closed_at": null('doc/api/merge_requests.md example: "closed_at": null'),
    "merge_commit_sha": null("doc/api/merge_requests.md: Returns null until merged"),
    "squash_commit_sha": null("doc/api/merge_requests.md: Empty until merged (null)"),
    "merge_user": null_or_optional(
        "doc/api/merge_requests.md: the user who merged it, set auto-merge, or null; "
        "introduced in GitLab 14.7"
    ),
    "merge_user.username": PLAIN,
    "merged_by": null_or_optional(
        "doc/api/merge_requests.md: deprecated in 14.7, scheduled for removal in API v5; "
        'example: "merged_by": null'
    ),
    "merged_by.username": PLAIN,
    "milestone": null('doc/api/merge_requests.md example: "milestone": null'),
    "milestone.title": PLAIN,
    "draft": optional("doc/api/merge_requests.md: draft came in GitLab 14.0"),
    "work_in_progress": optional(
        "doc/api/merge_requests.md: deprecated for draft, removed in API v5"
    ),
    "references": optional("doc/api/merge_requests.md: references came in GitLab 12.6"),
    "author": PLAIN,
    "author.username": PLAIN,
    "assignees": PLAIN,
    "assignees[].username": PLAIN,
    "reviewers": optional(
        "doc/api/merge_requests.md: reviewers came in GitLab 13.x; older answers lack it"
    ),
    "reviewers[].username": PLAIN,
}

_COMMIT: dict[str, FieldSpec] = {
    "id": PLAIN,
    "title": PLAIN,
    "message": PLAIN,
    "author_name": PLAIN,
    "authored_date": PLAIN,
    "committed_date": PLAIN,
    "web_url": optional(
        "doc/api/releases/_index.md example: a commit without web_url (older GitLab)"
    ),
}

_RELEASE: dict[str, FieldSpec] = {
    "name": PLAIN,
    "created_at": PLAIN,
    "released_at": PLAIN,
    "tag_name": optional(
        "lib/api/entities/release.rb: tag_name only if the user can download the code "
        "(a public project whose repository is for members only)"
    ),
    "description": null(
        "doc/api/releases/_index.md, Create a release: description is optional (null)"
    ),
    "upcoming_release": optional("doc/api/releases/_index.md: came in GitLab 12.1"),
    "author": optional("lib/api/entities/release.rb: author only if present (a deleted account)"),
    "author.username": PLAIN,
    "commit": optional(
        "lib/api/entities/release.rb: commit only if the user can download the code"
    ),
    "commit.id": PLAIN,
    "_links": PLAIN,
    "_links.self": optional("lib/api/entities/release.rb: self_url with expose_nil: false"),
}

_TAG: dict[str, FieldSpec] = {
    "name": PLAIN,
    "target": PLAIN,
    "created_at": null_or_optional(
        "doc/api/tags.md: created_at introduced in GitLab 16.11; null for lightweight tags"
    ),
    "commit": null(
        "lib/api/entities/tag.rb: the commit of the tag's dereferenced target, nil when that "
        "is not a commit (a tag of a tree or blob)"
    ),
    "commit.id": PLAIN,
    "commit.committed_date": PLAIN,
    "commit.created_at": PLAIN,
}

_JOB: dict[str, FieldSpec] = {
    "id": PLAIN,
    "name": PLAIN,
    "stage": PLAIN,
    "created_at": PLAIN,
    "finished_at": PLAIN,  # the collector lists only finished jobs (scope success, failed)
    "user": PLAIN,
    "user.username": PLAIN,
    "pipeline": PLAIN,
    "pipeline.id": PLAIN,
    "pipeline.ref": PLAIN,
    "pipeline.sha": PLAIN,
    "pipeline.status": PLAIN,
    "pipeline.created_at": PLAIN,
    "pipeline.updated_at": PLAIN,
    "pipeline.web_url": PLAIN,
    "pipeline.iid": optional(
        "lib/api/entities/ci/pipeline_basic.rb: iid is not in older versions of the entity"
    ),
    "pipeline.source": optional(
        "lib/api/entities/ci/pipeline_basic.rb: source is not in older versions of the entity"
    ),
}

_DEPLOYMENT: dict[str, FieldSpec] = {
    "id": PLAIN,
    "iid": PLAIN,
    "ref": PLAIN,
    "sha": PLAIN,
    "status": PLAIN,
    "created_at": PLAIN,
    "updated_at": PLAIN,
    "user": PLAIN,
    "user.username": PLAIN,
    "environment": PLAIN,
    "environment.id": PLAIN,
    "environment.name": PLAIN,
    "deployable": null(
        'doc/api/deployments.md, Create a deployment: "deployable": null (made through the '
        "API, no job ran it)"
    ),
    "deployable.id": PLAIN,
    "deployable.name": PLAIN,
    "deployable.stage": PLAIN,
    "deployable.tag": PLAIN,
    "deployable.finished_at": null(
        "doc/api/jobs.md: finished_at is null until the job ends (a running deployment)"
    ),
    "deployable.pipeline": null(
        "lib/api/entities/ci/job_basic.rb exposes the job's pipeline, nil when it has none "
        "(a job of a deleted pipeline left on an environment)"
    ),
    "deployable.pipeline.id": PLAIN,
}

_INCIDENT: dict[str, FieldSpec] = {
    "iid": PLAIN,
    "state": PLAIN,
    "title": PLAIN,
    "web_url": PLAIN,
    "labels": PLAIN,
    "created_at": PLAIN,
    "updated_at": PLAIN,
    "author": PLAIN,
    "author.username": PLAIN,
    "description": null('doc/api/issues.md examples: "description": null (never set)'),
    "closed_at": null('doc/api/issues.md: "closed_at": null while open'),
    "closed_by": null('doc/api/issues.md: "closed_by": null while open'),
    "closed_by.username": PLAIN,
    "severity": optional("doc/api/issues.md: severity came with incidents (GitLab 13.x)"),
}

_DIFF = {"old_path": PLAIN, "new_path": PLAIN}
_TREE = {"id": PLAIN, "path": PLAIN, "type": PLAIN}


def _entry(
    endpoint: str, read_by: str, fields: Mapping[str, FieldSpec], *, items: bool = True
) -> tuple[Reads, dict[str, FieldSpec]]:
    """A READS entry and its specs; ``items``: the answer is a list of such objects."""
    specs = _under("[]" if items else "", fields)
    # Read paths are the leaves; their prefixes (read on the way) come back via read_paths.
    leaves = tuple(p for p in specs if not any(q.startswith(p + ".") for q in specs))
    return Reads(endpoint, leaves, read_by), specs


_ENTRIES = (
    _entry("GET /groups/:id/projects", "forge._keep, project_facts, mapping.repository", _PROJECT),
    _entry("GET /users/:user_id/projects", "forge._keep, mapping.repository", _PROJECT),
    _entry("GET /projects/:id", "forge._keep, mapping.repository", _PROJECT, items=False),
    _entry("GET /projects/:id/merge_requests", "mapping.merge_request, deletions", _MERGE_REQUEST),
    _entry(
        # Also the commits that touched an ADR file (``?path=``): signal_mapping.file_commit.
        "GET /projects/:id/repository/commits",
        "mapping.commit, signal_mapping.file_commit",
        _COMMIT,
    ),
    _entry(
        "GET /projects/:id/repository/branches/:branch",
        "forge._head",
        {"commit": PLAIN, "commit.id": PLAIN},
        items=False,
    ),
    _entry("GET /projects/:id/releases", "mapping.release", _RELEASE),
    _entry("GET /projects/:id/repository/tags", "mapping.tag", _TAG),
    _entry(
        "GET /projects/:id/merge_requests/:merge_request_iid/diffs",
        "changed_files (signal_mapping.diff_paths)",
        _DIFF,
    ),
    _entry(
        # GitLab before 15.7 has no /diffs: the collector falls back to /changes.
        "GET /projects/:id/merge_requests/:merge_request_iid/changes",
        "changed_files (signal_mapping.diff_paths)",
        {"changes": PLAIN, **_under("changes[]", _DIFF)},
        items=False,
    ),
    _entry(
        "GET /projects/:id/repository/commits/:sha/diff",
        "changed_files (signal_mapping.diff_paths)",
        _DIFF,
    ),
    _entry(
        "GET /projects/:id/deployments",
        "signal_mapping.deployment, signal_mapping.pipeline_of",
        _DEPLOYMENT,
    ),
    _entry("GET /projects/:id/jobs", "signal_mapping.job, signal_mapping.pipelines", _JOB),
    _entry("GET /projects/:id/issues", "signal_mapping.incident, deletions", _INCIDENT),
    _entry("GET /projects/:id/repository/tree", "signal_mapping.tree_entry", _TREE),
    # Quiet nights: which projects of a group had a merge request or incident updated.
    _entry(
        "GET /groups/:id/merge_requests",
        "forge._group_changes",
        {"project_id": PLAIN, "updated_at": PLAIN},
    ),
    _entry(
        "GET /groups/:id/issues", "forge._group_changes", {"project_id": PLAIN, "updated_at": PLAIN}
    ),
)

READS: tuple[Reads, ...] = tuple(reads for reads, _ in _ENTRIES)
SPECS: dict[str, dict[str, FieldSpec]] = {reads.key: specs for reads, specs in _ENTRIES}
