"""Full-shape GitLab REST v4 JSON for the fake, modelled field by field on real responses.

The field sets follow the API documentation's examples (GitLab 17/18) for
users (basic and current), groups, projects as the lists serve them
(``ProjectWithAccess``), merge requests, commits, tags, releases, deployments
with their environment and job, jobs with their pipeline, issues, tree entries,
diffs and errors.
Clients must cope with everything a real answer carries, not just what they
read, so nothing is trimmed. Times are formatted as GitLab formats them:
``2024-01-01T10:00:00.000Z`` for records, ``+00:00`` offsets for git dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from tests.fakes.gitlab_world import (
    FakeChange,
    FakeCommit,
    FakeDeployment,
    FakeEnvironment,
    FakeGroup,
    FakeIssue,
    FakeJob,
    FakeMergeRequest,
    FakePipeline,
    FakeProject,
    FakeRelease,
    FakeTag,
    FakeUser,
    GitLabWorld,
    fake_sha,
)
from tests.fakes.shapes import shaped

JsonDict = dict[str, Any]

ACCESS_LEVELS = {"owner": 50, "maintainer": 40, "developer": 30, "guest": 10}


@dataclass(frozen=True)
class Urls:
    """Roots the payloads link to: the API (…/api/v4) and the web UI (with any path prefix)."""

    api: str
    web: str

    @property
    def host(self) -> str:
        return self.web.split("://", 1)[1].split("/", 1)[0]


def iso(moment: datetime | None) -> str | None:
    """GitLab's record timestamps: milliseconds, UTC, ``Z``."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def git_date(moment: datetime) -> str:
    """GitLab's git timestamps (authored_date, committed_date): an explicit offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def error(message: str) -> JsonDict:
    """GitLab's error body, e.g. {"message": "404 Project Not Found"}."""
    return {"message": message}


def user_basic(user: FakeUser, urls: Urls) -> JsonDict:
    return {
        "id": user.id,
        "username": user.username,
        "public_email": None,
        "name": user.name,
        "state": "active",
        "locked": False,
        "avatar_url": f"https://secure.gravatar.com/avatar/{user.id:032x}?s=80&d=identicon",
        "web_url": f"{urls.web}/{user.username}",
    }


def current_user(user: FakeUser, world: GitLabWorld, urls: Urls) -> JsonDict:
    """``GET /user``: the public profile plus what only its owner sees."""
    return {
        **user_basic(user, urls),
        "created_at": iso(user.created_at),
        "bio": "",
        "location": "",
        "linkedin": "",
        "twitter": "",
        "discord": "",
        "website_url": "",
        "github": "",
        "job_title": "",
        "pronouns": None,
        "organization": "",
        "bot": False,
        "work_information": None,
        "local_time": None,
        "last_sign_in_at": "2024-01-01T08:00:00.000Z",
        "confirmed_at": "2020-01-01T08:00:00.000Z",
        "last_activity_on": "2024-01-01",
        "email": f"{user.username}@example.com",
        "theme_id": 1,
        "color_scheme_id": 1,
        "projects_limit": 100000,
        "current_sign_in_at": "2024-01-01T08:00:00.000Z",
        "identities": [],
        "can_create_group": True,
        "can_create_project": True,
        "two_factor_enabled": True,
        "external": False,
        "private_profile": False,
        "commit_email": f"{user.username}@example.com",
        "shared_runners_minutes_limit": None,
        "extra_shared_runners_minutes_limit": None,
        "scim_identities": [],
    }


def group(entry: FakeGroup, world: GitLabWorld, urls: Urls) -> JsonDict:
    parent = world.group(entry.parent_path) if entry.parent_path else None
    return {
        "id": entry.id,
        "web_url": f"{urls.web}/groups/{entry.full_path}",
        "name": entry.name,
        "path": entry.path,
        "description": entry.description,
        "visibility": entry.visibility,
        "share_with_group_lock": False,
        "require_two_factor_authentication": False,
        "two_factor_grace_period": 48,
        "project_creation_level": "developer",
        "auto_devops_enabled": None,
        "subgroup_creation_level": "maintainer",
        "emails_disabled": False,
        "emails_enabled": True,
        "mentions_disabled": None,
        "lfs_enabled": True,
        "default_branch": None,
        "default_branch_protection": 2,
        "default_branch_protection_defaults": {
            "allowed_to_push": [{"access_level": 40}],
            "allow_force_push": False,
            "allowed_to_merge": [{"access_level": 40}],
        },
        "avatar_url": None,
        "request_access_enabled": True,
        "full_name": " / ".join(
            g.name
            for g in (
                world.group("/".join(entry.full_path.split("/")[: depth + 1]))
                for depth in range(entry.full_path.count("/") + 1)
            )
            if g is not None
        ),
        "full_path": entry.full_path,
        "created_at": iso(entry.created_at),
        "parent_id": parent.id if parent is not None else None,
        "organization_id": 1,
        "shared_runners_setting": "enabled",
        "max_artifacts_size": None,
        "ldap_cn": None,
        "ldap_access": None,
        "marked_for_deletion_on": None,
        "wiki_access_level": "enabled",
        "duo_features_enabled": True,
        "lock_duo_features_enabled": False,
    }


def namespace(project: FakeProject, world: GitLabWorld, urls: Urls) -> JsonDict:
    if project.namespace_kind == "user":
        owner = world.users[project.namespace.lower()]
        return {
            "id": 10_000 + owner.id,
            "name": owner.name,
            "path": owner.username,
            "kind": "user",
            "full_path": owner.username,
            "parent_id": None,
            "avatar_url": None,
            "web_url": f"{urls.web}/{owner.username}",
        }
    entry = world.groups[project.namespace.lower()]
    parent = world.group(entry.parent_path) if entry.parent_path else None
    return {
        "id": entry.id,
        "name": entry.name,
        "path": entry.path,
        "kind": "group",
        "full_path": entry.full_path,
        "parent_id": parent.id if parent is not None else None,
        "avatar_url": None,
        "web_url": f"{urls.web}/groups/{entry.full_path}",
    }


def _project_basic(project: FakeProject, world: GitLabWorld, urls: Urls) -> JsonDict:
    web = f"{urls.web}/{project.path_with_namespace}"
    ns = namespace(project, world, urls)
    return {
        "id": project.id,
        "description": project.description,
        "name": project.name,
        "name_with_namespace": f"{ns['name']} / {project.name}",
        "path": project.path,
        "path_with_namespace": project.path_with_namespace,
        "created_at": iso(project.created_at),
        "default_branch": None if project.empty_repo else project.default_branch,
        "tag_list": list(project.topics),
        "topics": list(project.topics),
        "ssh_url_to_repo": f"git@{urls.host}:{project.path_with_namespace}.git",
        "http_url_to_repo": f"{web}.git",
        "web_url": web,
        "readme_url": None if project.empty_repo else f"{web}/-/blob/main/README.md",
        "forks_count": 0,
        "avatar_url": None,
        "star_count": project.stars,
        "last_activity_at": iso(project.last_activity_at),
        "visibility": project.visibility,
        "namespace": ns,
    }


def project(project: FakeProject, world: GitLabWorld, urls: Urls, viewer: str) -> JsonDict:
    """A project as ``/groups/:id/projects``, ``/users/:id/projects`` and ``/projects/:id``
    serve it to a signed-in user. ``forked_from_project`` is present only for a fork."""
    api = f"{urls.api}/projects/{project.id}"
    owner = world.users.get(project.namespace.lower()) if project.namespace_kind == "user" else None
    member = world.can_see(project, viewer) and (
        (owner is not None and owner.username.lower() == viewer.lower())
        or world.is_member(project.namespace, viewer)
    )
    mr_level = "enabled" if project.merge_requests_enabled else "disabled"
    payload: JsonDict = {
        **_project_basic(project, world, urls),
        "container_registry_image_prefix": (
            f"registry.{urls.host}/{project.path_with_namespace}".lower()
        ),
        "_links": {
            "self": api,
            "issues": f"{api}/issues",
            "merge_requests": f"{api}/merge_requests",
            "repo_branches": f"{api}/repository/branches",
            "labels": f"{api}/labels",
            "events": f"{api}/events",
            "members": f"{api}/members",
            "cluster_agents": f"{api}/cluster_agents",
        },
        "packages_enabled": True,
        "empty_repo": project.empty_repo,
        "archived": project.archived,
        "resolve_outdated_diff_discussions": False,
        "container_expiration_policy": {
            "cadence": "1d",
            "enabled": False,
            "keep_n": 10,
            "older_than": "90d",
            "name_regex": ".*",
            "name_regex_keep": None,
            "next_run_at": "2024-01-02T09:00:00.000Z",
        },
        "repository_object_format": "sha1",
        "issues_enabled": project.issues_enabled,
        "merge_requests_enabled": project.merge_requests_enabled,
        "wiki_enabled": True,
        "jobs_enabled": project.jobs_enabled,
        "snippets_enabled": True,
        "container_registry_enabled": True,
        "service_desk_enabled": False,
        "service_desk_address": None,
        "can_create_merge_request_in": member,
        "issues_access_level": "enabled" if project.issues_enabled else "disabled",
        "repository_access_level": "enabled",
        "merge_requests_access_level": mr_level,
        "forking_access_level": "enabled",
        "wiki_access_level": "enabled",
        "builds_access_level": "enabled" if project.jobs_enabled else "disabled",
        "snippets_access_level": "enabled",
        "pages_access_level": "private",
        "analytics_access_level": "enabled",
        "container_registry_access_level": "enabled",
        "security_and_compliance_access_level": "private",
        "releases_access_level": "enabled",
        "environments_access_level": "enabled" if project.environments_enabled else "disabled",
        "feature_flags_access_level": "enabled",
        "infrastructure_access_level": "enabled",
        "monitor_access_level": "enabled",
        "model_experiments_access_level": "enabled",
        "model_registry_access_level": "enabled",
        "emails_disabled": False,
        "emails_enabled": True,
        "shared_runners_enabled": True,
        "lfs_enabled": True,
        "creator_id": world.users[world.viewer.lower()].id,
        "import_url": None,
        "import_type": None,
        "import_status": "none",
        "import_error": None,
        "open_issues_count": 0,
        "description_html": (
            f'<p data-sourcepos="1:1-1:1" dir="auto">{project.description}</p>'
            if project.description
            else ""
        ),
        "updated_at": iso(project.last_activity_at),
        "ci_default_git_depth": 20,
        "ci_forward_deployment_enabled": True,
        "ci_forward_deployment_rollback_allowed": True,
        "ci_job_token_scope_enabled": False,
        "ci_separated_caches": True,
        "ci_allow_fork_pipelines_to_run_in_parent_project": True,
        "ci_id_token_sub_claim_components": ["project_path", "ref_type", "ref"],
        "build_git_strategy": "fetch",
        "keep_latest_artifact": True,
        "restrict_user_defined_variables": False,
        "ci_pipeline_variables_minimum_override_role": "developer",
        "runners_token": None,
        "runner_token_expiration_interval": None,
        "group_runners_enabled": True,
        "auto_cancel_pending_pipelines": "enabled",
        "build_timeout": 3600,
        "auto_devops_enabled": False,
        "auto_devops_deploy_strategy": "continuous",
        "ci_config_path": "",
        "public_jobs": True,
        "shared_with_groups": [],
        "only_allow_merge_if_pipeline_succeeds": False,
        "allow_merge_on_skipped_pipeline": None,
        "request_access_enabled": True,
        "only_allow_merge_if_all_discussions_are_resolved": False,
        "remove_source_branch_after_merge": True,
        "printing_merge_request_link_enabled": True,
        "merge_method": "merge",
        "squash_option": "default_off",
        "enforce_auth_checks_on_uploads": True,
        "suggestion_commit_message": None,
        "merge_commit_template": None,
        "squash_commit_template": None,
        "issue_branch_template": None,
        "warn_about_potentially_unwanted_characters": True,
        "autoclose_referenced_issues": True,
        "max_artifacts_size": None,
        "external_authorization_classification_label": "",
        "requirements_enabled": False,
        "requirements_access_level": "enabled",
        "security_and_compliance_enabled": True,
        "compliance_frameworks": [],
        "permissions": {
            "project_access": None,
            "group_access": (
                {"access_level": ACCESS_LEVELS["developer"], "notification_level": 3}
                if member
                else None
            ),
        },
    }
    if owner is not None:
        payload["owner"] = user_basic(owner, urls)
    if project.forked_from is not None:
        upstream = world.project(project.forked_from)
        if upstream is not None:
            payload["forked_from_project"] = _project_basic(upstream, world, urls)
    return shaped(payload, project.nulls, project.absent)


def milestone(title: str, project: FakeProject, urls: Urls) -> JsonDict:
    number = sum(map(ord, title)) % 50 + 1
    return {
        "id": 500 + number,
        "iid": number,
        "project_id": project.id,
        "title": title,
        "description": "",
        "state": "active",
        "created_at": "2024-01-01T09:00:00.000Z",
        "updated_at": "2024-01-01T09:00:00.000Z",
        "due_date": None,
        "start_date": None,
        "expired": False,
        "web_url": f"{urls.web}/{project.path_with_namespace}/-/milestones/{number}",
    }


def merge_request(
    entry: FakeMergeRequest, project: FakeProject, world: GitLabWorld, urls: Urls
) -> JsonDict:
    """One entry of ``GET /projects/:id/merge_requests`` (labels as plain names)."""
    web = f"{urls.web}/{project.path_with_namespace}/-/merge_requests/{entry.iid}"

    def person(username: str) -> JsonDict:
        return user_basic(world.add_user(username), urls)

    assignees = [person(name) for name in entry.assignees]
    merged_by = person(entry.merged_by) if entry.merged_by else None
    closed_by = person(entry.author) if entry.state == "closed" else None
    payload: JsonDict = {
        "id": entry.id,
        "iid": entry.iid,
        "project_id": project.id,
        "title": entry.title,
        "description": entry.description,
        "state": entry.state,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "merged_by": merged_by,
        "merge_user": merged_by,
        "merged_at": iso(entry.merged_at),
        "closed_by": closed_by,
        "closed_at": iso(entry.closed_at),
        "target_branch": entry.target_branch,
        "source_branch": entry.source_branch,
        "user_notes_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "author": person(entry.author),
        "assignees": assignees,
        "assignee": assignees[0] if assignees else None,
        "reviewers": [person(name) for name in entry.reviewers],
        "source_project_id": project.id,
        "target_project_id": project.id,
        "labels": list(entry.labels),
        "draft": entry.draft,
        "imported": False,
        "imported_from": "none",
        "work_in_progress": entry.draft,
        "milestone": milestone(entry.milestone, project, urls) if entry.milestone else None,
        "merge_when_pipeline_succeeds": False,
        "merge_status": "can_be_merged",
        "detailed_merge_status": "mergeable" if entry.state == "opened" else "not_open",
        "merge_after": None,
        "sha": entry.sha,
        "merge_commit_sha": entry.merge_commit_sha,
        "squash_commit_sha": entry.squash_commit_sha,
        "discussion_locked": None,
        "should_remove_source_branch": None,
        "force_remove_source_branch": True,
        "prepared_at": iso(entry.created_at),
        "reference": f"!{entry.iid}",
        "references": {
            "short": f"!{entry.iid}",
            "relative": f"!{entry.iid}",
            "full": f"{project.path_with_namespace}!{entry.iid}",
        },
        "web_url": web,
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
        "squash": entry.squash,
        "squash_on_merge": entry.squash,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": False,
        "blocking_discussions_resolved": True,
        "approvals_before_merge": None,
    }
    return shaped(payload, entry.nulls, entry.absent)


def commit(entry: FakeCommit, project: FakeProject, urls: Urls) -> JsonDict:
    """One entry of ``GET /projects/:id/repository/commits``."""
    payload: JsonDict = {
        "id": entry.sha,
        "short_id": entry.sha[:8],
        "created_at": git_date(entry.committed_at),
        "parent_ids": list(entry.parents),
        "title": entry.title,
        "message": entry.message,
        "author_name": entry.author_name,
        "author_email": entry.author_email,
        "authored_date": git_date(entry.authored_at),
        "committer_name": entry.committer_name,
        "committer_email": entry.author_email,
        "committed_date": git_date(entry.committed_at),
        "trailers": {},
        "extended_trailers": {},
        "web_url": f"{urls.web}/{project.path_with_namespace}/-/commit/{entry.sha}",
    }
    return shaped(payload, entry.nulls, entry.absent)


def branch(
    name: str, head: FakeCommit, project: FakeProject, urls: Urls, *, can_push: bool
) -> JsonDict:
    """``GET /projects/:id/repository/branches/:branch``: the branch and its head commit."""
    default = name == project.default_branch
    return {
        "name": name,
        "merged": False,
        "protected": default,  # GitLab protects a new project's default branch
        "default": default,
        "developers_can_push": False,
        "developers_can_merge": False,
        "can_push": can_push,
        "web_url": f"{urls.web}/{project.path_with_namespace}/-/tree/{name}",
        "commit": commit(head, project, urls),
    }


def tag(entry: FakeTag, project: FakeProject, urls: Urls) -> JsonDict:
    """One entry of ``GET /projects/:id/repository/tags``: the tagged commit rides along."""
    release = next((r for r in project.releases if r.tag == entry.name), None)
    payload: JsonDict = {
        "name": entry.name,
        "message": entry.message or "",
        "target": (
            # An annotated tag points at its own tag object; a lightweight one at the commit.
            entry.commit.sha if entry.message is None else _tag_object_sha(entry, project)
        ),
        "commit": commit(entry.commit, project, urls),
        "release": (
            {"tag_name": release.tag, "description": release.description or ""}
            if release is not None
            else None
        ),
        "protected": entry.protected,
        "created_at": iso(entry.created_at),
    }
    return shaped(payload, entry.nulls, entry.absent)


def _tag_object_sha(entry: FakeTag, project: FakeProject) -> str:
    return fake_sha(project.path_with_namespace, "tag-object", entry.name)


def release(entry: FakeRelease, project: FakeProject, world: GitLabWorld, urls: Urls) -> JsonDict:
    """One entry of ``GET /projects/:id/releases``."""
    web = f"{urls.web}/{project.path_with_namespace}"
    tag_path = quote(entry.tag, safe="")
    archive = f"{web}/-/archive/{tag_path}/{project.path}-{tag_path}"
    upcoming = entry.released_at > world.now  # the world clock keeps this deterministic
    payload: JsonDict = {
        "name": entry.name,
        "tag_name": entry.tag,
        "description": entry.description,
        "created_at": iso(entry.created_at),
        "released_at": iso(entry.released_at),
        "upcoming_release": upcoming,
        "author": user_basic(world.add_user(entry.author), urls),
        "commit": commit(entry.commit, project, urls),
        "milestones": [],
        "commit_path": f"/{project.path_with_namespace}/-/commit/{entry.commit.sha}",
        "tag_path": f"/{project.path_with_namespace}/-/tags/{tag_path}",
        "assets": {
            "count": 4,
            "sources": [
                {"format": fmt, "url": f"{archive}.{fmt}"}
                for fmt in ("zip", "tar.gz", "tar.bz2", "tar")
            ],
            "links": [],
        },
        "evidences": [
            {
                "sha": entry.commit.sha[:40],
                "filepath": f"{web}/-/releases/{tag_path}/evidences/1.json",
                "collected_at": iso(entry.created_at),
            }
        ],
        "_links": {
            "closed_issues_url": f"{web}/-/issues?release_tag={tag_path}&scope=all&state=closed",
            "closed_merge_requests_url": (
                f"{web}/-/merge_requests?release_tag={tag_path}&scope=all&state=closed"
            ),
            "merged_merge_requests_url": (
                f"{web}/-/merge_requests?release_tag={tag_path}&scope=all&state=merged"
            ),
            "opened_issues_url": f"{web}/-/issues?release_tag={tag_path}&scope=all&state=opened",
            "opened_merge_requests_url": (
                f"{web}/-/merge_requests?release_tag={tag_path}&scope=all&state=opened"
            ),
            "self": f"{web}/-/releases/{tag_path}",
        },
    }
    return shaped(payload, entry.nulls, entry.absent)


# -- evidence signals ---------------------------------------------------------------------


def _user(username: str, world: GitLabWorld, urls: Urls) -> JsonDict:
    """The ``User`` entity jobs carry: the basic profile plus public profile fields."""
    user = world.add_user(username)
    return {
        **user_basic(user, urls),
        "created_at": iso(user.created_at),
        "bio": "",
        "location": "",
        "linkedin": "",
        "twitter": "",
        "discord": "",
        "website_url": "",
        "github": "",
        "job_title": "",
        "pronouns": None,
        "organization": "",
        "bot": False,
        "work_information": None,
        "local_time": None,
    }


def pipeline_basic(entry: FakePipeline, project: FakeProject, urls: Urls) -> JsonDict:
    """``PipelineBasic``: what a job (and a pipeline list) says about its pipeline."""
    payload: JsonDict = {
        "id": entry.id,
        "iid": entry.iid,
        "project_id": project.id,
        "sha": entry.commit.sha,
        "ref": entry.ref,
        "status": entry.status,
        "source": entry.source,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "web_url": f"{urls.web}/{project.path_with_namespace}/-/pipelines/{entry.id}",
    }
    return shaped(payload, absent=entry.absent)


def job(entry: FakeJob, project: FakeProject, world: GitLabWorld, urls: Urls) -> JsonDict:
    """One entry of ``GET /projects/:id/jobs`` (the ``Ci::Job`` entity)."""
    pipeline = entry.pipeline
    duration = (
        (entry.finished_at - entry.started_at).total_seconds()
        if entry.finished_at and entry.started_at
        else None
    )
    payload: JsonDict = {
        "id": entry.id,
        "status": entry.status,
        "stage": entry.stage,
        "name": entry.name,
        "ref": pipeline.ref,
        "tag": pipeline.tag,
        "coverage": None,
        "allow_failure": False,
        "created_at": iso(entry.created_at),
        "started_at": iso(entry.started_at),
        "finished_at": iso(entry.finished_at),
        "erased_at": None,
        "duration": duration,
        "queued_duration": 0.4 if entry.started_at else None,
        "user": _user(entry.user, world, urls),
        "commit": commit(pipeline.commit, project, urls),
        "pipeline": pipeline_basic(pipeline, project, urls),
        "web_url": f"{urls.web}/{project.path_with_namespace}/-/jobs/{entry.id}",
        "project": {"ci_job_token_scope_enabled": False},
        "artifacts": [
            {"file_type": "trace", "size": 1843, "filename": "job.log", "file_format": None}
        ],
        "runner": {
            "id": 7,
            "description": "shared-runner-k8s",
            "ip_address": None,
            "active": True,
            "paused": False,
            "is_shared": True,
            "runner_type": "instance_type",
            "name": "gitlab-runner",
            "online": True,
            "status": "online",
        },
        "runner_manager": None,
        "artifacts_expire_at": None,
        "archived": False,
        "tag_list": ["docker"],
    }
    if entry.status == "failed":
        payload["failure_reason"] = "script_failure"
    return payload


def environment_basic(entry: FakeEnvironment) -> JsonDict:
    return {
        "id": entry.id,
        "name": entry.name,
        "slug": entry.slug,
        "external_url": entry.external_url,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.created_at),
    }


def deployment(
    entry: FakeDeployment, project: FakeProject, world: GitLabWorld, urls: Urls
) -> JsonDict:
    """One entry of ``GET /projects/:id/deployments``."""
    payload: JsonDict = {
        "id": entry.id,
        "iid": entry.iid,
        "ref": entry.ref,
        "sha": entry.sha,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "user": user_basic(world.add_user(entry.user), urls),
        "environment": environment_basic(entry.environment),
        "deployable": job(entry.job, project, world, urls) if entry.job is not None else None,
        "status": entry.status,
    }
    return shaped(payload, entry.nulls)


def issue(entry: FakeIssue, project: FakeProject, world: GitLabWorld, urls: Urls) -> JsonDict:
    """One entry of ``GET /projects/:id/issues`` (labels as plain names)."""
    web = f"{urls.web}/{project.path_with_namespace}/-/issues/{entry.iid}"
    api = f"{urls.api}/projects/{project.id}/issues/{entry.iid}"
    author = user_basic(world.add_user(entry.author), urls)
    payload: JsonDict = {
        "id": entry.id,
        "iid": entry.iid,
        "project_id": project.id,
        "title": entry.title,
        "description": entry.description,
        "state": entry.state,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "closed_at": iso(entry.closed_at),
        "closed_by": author if entry.state == "closed" else None,
        "labels": list(entry.labels),
        "milestone": None,
        "assignees": [],
        "author": author,
        "type": entry.issue_type.upper(),
        "assignee": None,
        "user_notes_count": 3,
        "merge_requests_count": 1,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": None,
        "confidential": entry.confidential,
        "discussion_locked": None,
        "issue_type": entry.issue_type,
        "web_url": web,
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
        "task_completion_status": {"count": 0, "completed_count": 0},
        "blocking_issues_count": 0,
        "has_tasks": False,
        "task_status": "",
        "_links": {
            "self": api,
            "notes": f"{api}/notes",
            "award_emoji": f"{api}/award_emoji",
            "project": f"{urls.api}/projects/{project.id}",
            "closed_as_duplicate_of": None,
        },
        "references": {
            "short": f"#{entry.iid}",
            "relative": f"#{entry.iid}",
            "full": f"{project.path_with_namespace}#{entry.iid}",
        },
        "severity": "CRITICAL" if entry.issue_type == "incident" else "UNKNOWN",
        "moved_to_id": None,
        "imported": False,
        "imported_from": "none",
        "service_desk_reply_to": None,
    }
    return shaped(payload, entry.nulls, entry.absent)


def tree_entry(path: str, *, folder: bool, sha: str) -> JsonDict:
    """One entry of ``GET /projects/:id/repository/tree``."""
    return {
        "id": sha,
        "name": path.rsplit("/", 1)[-1],
        "type": "tree" if folder else "blob",
        "path": path,
        "mode": "040000" if folder else "100644",
    }


def diff(change: FakeChange) -> JsonDict:
    """One entry of a merge request's ``/diffs`` or a commit's ``/diff``."""
    lines = change.content.splitlines() or ["changed"]
    body = "".join(f"+{line}\n" for line in lines)
    return {
        "diff": f"@@ -0,0 +1,{len(lines)} @@\n{body}",
        "new_path": change.new_path,
        "old_path": change.old_path,
        "a_mode": "0" if change.new_file else "100644",
        "b_mode": "0" if change.deleted_file else "100644",
        "new_file": change.new_file,
        "renamed_file": change.renamed_file,
        "deleted_file": change.deleted_file,
        "generated_file": False,
    }
