"""Worlds where every field the collector reads arrives null, and left out, where a forge may.

``github_odd_world`` and ``gitlab_odd_world`` hold, besides ordinary entities,
one entity for each odd shape the forge's description allows on a field the
collector reads: a pull request whose author deleted their account (user
null), a commit whose author email is linked to no account, a repository an
older GitHub Enterprise Server lists without ``visibility``, a deployment
made through GitLab's API (no job ran it), a lightweight tag (no date of its
own). ``tests/collector/test_forge_reads.py`` collects them through the real
collector and checks, from the JSON the fake served, that every such shape was
really sent (``tests.fakes.reads.audit``), then that the store holds what the
forge meant.

Each odd entity says why a forge sends it so; where the description allows a
shape nobody has reported seeing (GitHub's ``empty-object`` commit author), the
comment says that too: the collector must survive what the description allows.
"""

from __future__ import annotations

from tests.fakes.github_signal_world import FakeChangedFile
from tests.fakes.github_world import FakeRepo, GitHubWorld
from tests.fakes.gitlab_world import FakeChange, FakeMergeRequest, FakeProject, GitLabWorld

ADR = """# 1. Record architecture decisions

Date: 2024-01-02

## Status

Accepted

## Decision

We will keep decision records in docs/adr.
"""

GITHUB_USERS = ("dana-dev", "old-timer")
GITHUB_ORGS = ("acme-corp",)
GITHUB_REPOS = ("someone/named", "someone/sparse")

# What a repository listing (minimal-repository) may leave out, as GitHub Enterprise
# Server releases from before these fields existed do.
_LISTING_OPTIONAL = (
    "archived",
    "default_branch",
    "stargazers_count",
    "topics",
    "visibility",
    "created_at",
    "updated_at",
    "pushed_at",
)
# Nullable in minimal-repository and repository alike: an imported or never-pushed one.
_REPOSITORY_TIMES = ("created_at", "updated_at", "pushed_at")


def github_odd_world() -> GitHubWorld:
    """The viewer's repositories (``/user/repos``), an organisation's and another user's
    (minimal-repository listings) and one named in the config (``GET /repos/{o}/{r}``)."""
    world = GitHubWorld(viewer="dana-dev")
    world.add_org("acme-corp", members=["dana-dev"])
    _ledger(world.add_repo("dana-dev/ledger", languages={"Python": 9000}))
    # Never pushed to: no push time (and a new repository has no topics to list yet).
    fresh = world.add_repo("dana-dev/fresh", description="Not pushed yet")
    fresh.pushed_at = None
    fresh.absent = ("topics", "visibility")
    # Imported: no creation or update time; tags are dated by the last push instead.
    imported = world.add_repo("dana-dev/imported", description="Moved from SVN")
    imported.nulls = ("created_at", "updated_at")
    first = imported.add_commit("Import history")
    imported.add_tag("r1999", sha=first.sha)
    # A tree too big for one answer: the ADR folder is listed through /contents.
    imported.signals.tree_truncated = True
    imported.signals.add_file("docs/adr/0001-record.md", ADR, commits=[first.sha])
    for owner in ("acme-corp", "old-timer"):
        plain = world.add_repo(f"{owner}/tools", description="Shared tools", topics=["ci"])
        plain.add_commit("Add the linter")
        # Listed as an older GitHub Enterprise Server lists a repository: no visibility,
        # topics, default branch, stars, archived flag or times.
        older = world.add_repo(f"{owner}/from-ghes")
        older.absent = _LISTING_OPTIONAL
        older.add_commit("Keep the old scripts")
        # Every time null: nothing to date a tag by (it would be skipped), so none here.
        timeless = world.add_repo(f"{owner}/timeless")
        timeless.nulls = _REPOSITORY_TIMES
        timeless.add_commit("Start")
    named = world.add_repo("someone/named", description="Named in the config", topics=["demo"])
    named.add_commit("Hello")
    sparse = world.add_repo("someone/sparse")  # no description: null
    sparse.absent = ("topics", "visibility")  # optional in full-repository too
    sparse.add_commit("Hello again")
    return world


def _ledger(repo: FakeRepo) -> None:
    """Pull requests, commits, releases and signals, each odd in one way the description allows."""
    tagged = repo.add_pull(
        title="Ship the chart",
        labels=["evidence"],  # a bare tag: its files decide the category
        merged=True,
        milestone="v1",
        assignees=["dana-dev"],
        requested_reviewers=["old-timer"],
        body="Why and how.",
    )
    repo.signals.pull_files[tagged.number] = [
        FakeChangedFile("helm/values.yaml"),
        FakeChangedFile("docs/deploy.md", status="renamed", previous_filename="docs/ops.md"),
    ]
    ghost = repo.add_pull(title="Left behind", labels=["evidence"], body=None)
    ghost.author = None  # the account was deleted: GitHub's description lets user be null
    ghost.absent = ("draft",)  # draft pull requests came late to GitHub Enterprise Server
    repo.signals.pull_files[ghost.number] = [FakeChangedFile("README.md")]
    quiet = repo.add_pull(title="Abandoned idea", closed=True)
    quiet.absent = ("assignees", "requested_reviewers")  # optional in pull-request-simple
    repo.add_pull(title="Page on 5xx", labels=["incident"], merged=True)

    first = repo.add_commit("Initial commit")
    repo.add_commit("Unlinked author", author=None)  # the email is linked to no account
    empty = repo.add_commit("Author as an empty object")
    # The description's empty-object alternative for ``author``: allowed, though nobody has
    # reported GitHub sending it; a mapping must not assume ``login`` is there.
    empty.emptied = ("author",)
    no_author = repo.add_commit("Imported without an author")
    no_author.nulls = ("commit.author",)  # nullable-git-user: dated by the committer
    no_date = repo.add_commit("Author without a date or name")
    no_date.absent = ("commit.author.date", "commit.author.name")
    no_committer = repo.add_commit("Committer unknown")
    no_committer.nulls = ("commit.committer",)
    undated = repo.add_commit("Committer without a date")
    undated.absent = ("commit.committer.date",)
    alerts = repo.add_commit("Tune alert thresholds\n\nEvidence: yes")
    repo.signals.commit_files[alerts.sha] = [
        FakeChangedFile("alerts/api.yaml"),
        FakeChangedFile("alerts/db.yaml", status="renamed", previous_filename="alerts/pg.yaml"),
    ]
    # ``files`` is optional in the commit schema: a candidate whose files are not listed.
    unlisted = repo.add_commit("Rotate keys\n\nEvidence: yes")
    unlisted.detail_absent = ("files",)

    repo.add_release("v1.0.0", name="1.0.0", body="First release")
    untitled = repo.add_release("v1.1.0", body=None)
    untitled.name = None  # a release created from a tag without a title
    draft = repo.add_release("v2.0.0-rc", draft=True)  # not published: published_at null
    draft.absent = ("body", "updated_at")  # both optional in the release schema
    touched = repo.add_release("v1.2.0")
    touched.nulls = ("updated_at",)  # nullable in the release schema
    repo.add_tag("v1.0.0", sha=first.sha)
    repo.add_tag("v1.1.0", sha=first.sha)

    signals = repo.signals
    signals.add_file("docs/adr/0001-record.md", ADR, commits=[first.sha])
    shipped = signals.add_deployment(repo, "production", ref="v1.0.0", sha=first.sha)
    signals.add_status(repo, shipped, "success")
    orphan = signals.add_deployment(repo, "production", ref="v1.1.0", sha=first.sha)
    orphan.creator = None  # the account that deployed was deleted
    orphan.description = None  # nullable: a deployment created without one
    orphan.absent = ("production_environment", "transient_environment")  # older servers
    status = signals.add_status(repo, orphan, "success")
    # Optional: statuses from before they existed carry only target_url (the log).
    status.absent = ("environment_url", "log_url")

    workflow = signals.add_workflow(repo, "Deploy", ".github/workflows/deploy.yml")
    signals.add_run(repo, workflow, head_sha=first.sha)
    unconcluded = signals.add_run(repo, workflow, head_sha=first.sha)
    # Listed among completed runs but with no conclusion: the description lets it be null.
    unconcluded.conclusion = None
    detached = signals.add_run(repo, workflow, head_sha=first.sha)
    detached.nulls = ("head_branch", "name")  # nullable: a run of a deleted branch
    detached.absent = ("actor", "triggering_actor", "run_attempt")  # runs from before 2021
    unnamed = signals.add_run(repo, workflow, head_sha=first.sha)
    unnamed.absent = ("name",)

    signals.add_issue(repo, "API down", labels=["incident"], body="Timeline.", closed=True)
    open_incident = signals.add_issue(repo, "Queue backlog", labels=["incident"], body=None)
    open_incident.author = None  # reported by an account since deleted
    bare = signals.add_issue(repo, "Disk full", labels=["incident", "sev1"], closed=True)
    # Optional in the issue schema: body, closed_by, state_reason, and a label's name.
    bare.absent = ("body", "closed_by", "state_reason", "labels.1.name")


# -- GitLab ---------------------------------------------------------------------------------------

GITLAB_GROUPS = ("acme",)
GITLAB_USERS = ("dana",)
GITLAB_PROJECTS = ("someone/tools", "someone/legacy", "someone/empty", "someone/tools-fork")
# What an older GitLab's project answer lacks (the access levels, topics, updated_at came
# later) and what GitLab v5 drops (tag_list).
_OLDER_PROJECT = (
    "updated_at",
    "topics",
    "tag_list",
    "merge_requests_access_level",
    "repository_access_level",
    "releases_access_level",
    "builds_access_level",
    "issues_access_level",
    "environments_access_level",
)


def gitlab_odd_world() -> tuple[GitLabWorld, str]:
    """Four projects of each shape in a group, a user's namespace and named in the config,
    and one project holding every odd item; with the path of the merge request whose
    ``/diffs`` must answer 404 (GitLab before 15.7), so ``/changes`` is read instead."""
    world = GitLabWorld(viewer="dana")
    world.add_group("acme", members=["dana"])
    for namespace, name in (("acme", "tools"), ("dana", "tools"), ("someone", "tools")):
        plain = world.add_project(
            f"{namespace}/{name}",
            description="Shared tools",
            topics=["ci"],
            languages={"Go": 100.0},
        )
        plain.add_commit("Add the linter")
        # A fork: forked_from_project is there only for forks.
        fork = world.add_project(f"{namespace}/{name}-fork", forked_from=plain.path_with_namespace)
        fork.add_commit("Fork it")
        # An older GitLab's answer: no access levels, topics or updated_at; and no last
        # activity (the column allows NULL) nor description (never set: null).
        legacy = world.add_project(f"{namespace}/legacy")
        legacy.absent = _OLDER_PROJECT
        legacy.nulls = ("last_activity_at",)
        legacy.add_commit("Start")
        # Nothing pushed yet: no default branch (null).
        world.add_project(f"{namespace}/empty", empty=True)
    platform = world.add_project("acme/platform", description="The platform")
    fallback = _platform(platform)
    return world, f"/projects/{platform.id}/merge_requests/{fallback.iid}/diffs"


def _platform(project: FakeProject) -> FakeMergeRequest:
    """Merge requests, commits, releases, tags and signals, each odd in one documented way."""
    # Created first so it is the last candidate asked for its files: its /diffs answers 404,
    # and from then on the collector reads /changes (GitLab before 15.7).
    older = project.add_merge_request(
        title="Before 15.7", labels=["evidence"], files=["Dockerfile"], state="opened"
    )
    project.add_merge_request(
        title="Ship the chart",
        labels=["evidence"],
        state="merged",
        description="Why and how.",
        milestone="v1",
        assignees=["dana"],
        reviewers=["erin"],
        files=["helm/values.yaml", ("docs/ops.md", "docs/deploy.md")],
    )
    # Squashed on a fast-forward project: a squash commit, no merge commit (null).
    project.add_merge_request(title="Squash it", state="merged", squash=True)
    unrecorded = project.add_merge_request(title="Merged long ago", state="merged")
    # gitlab#412956: merged before GitLab kept merge metrics, so no merge time or merger.
    unrecorded.nulls = ("merged_at", "merge_user", "merged_by")
    sparse = project.add_merge_request(title="Sketch", description=None)  # never described
    sparse.absent = ("draft", "references", "reviewers", "merge_user")  # older GitLab
    closed = project.add_merge_request(title="Abandoned", state="closed")
    closed.absent = ("work_in_progress", "merged_by")  # as API v5 will answer

    project.add_commit("Initial commit")
    bare = project.add_commit("Commit from an older GitLab")
    bare.absent = ("web_url",)
    project.add_commit(
        "Tune alerts\n\nEvidence: yes",
        changes=[FakeChange("alerts/api.yaml", "alerts/api.yaml")],
    )
    project.add_file("docs/adr/0001-record.md", ADR)

    project.add_tag("v1.0.0", message="First release")  # annotated: its own date
    project.add_release("v1.0.0", description="Notes")
    lightweight = project.add_tag("v1.1.0")  # lightweight: created_at null
    quiet = project.add_release(lightweight.name, description=None)  # no notes: null
    quiet.absent = ("upcoming_release", "_links.self", "author")  # older; author deleted
    before_dates = project.add_tag("v1.2.0", message="Before 16.11")
    before_dates.absent = ("created_at",)  # tags had no created_at before GitLab 16.11
    of_a_tree = project.add_tag("tree-snapshot")
    of_a_tree.nulls = ("commit",)  # a tag of a tree: its target is not a commit
    hidden = project.add_release("v1.2.0", description="Members only")
    # Served to a token that may not read the code: no tag_name, no commit. The release
    # cannot be keyed, so it is skipped with a warning that names it.
    hidden.absent = ("tag_name", "commit")

    project.add_deployment("production", ref="v1.0.0")
    project.add_deployment("production", ref="v1.1.0", with_job=False)  # made through the API
    project.add_deployment("staging", ref="main", status="running")  # its job still running
    orphaned = project.add_deployment("staging", ref="v1.0.0")
    orphaned.nulls = ("deployable.pipeline",)  # its pipeline was deleted
    older_pipeline = project.add_pipeline("main", jobs=[("deploy-production", "deploy")])
    older_pipeline.absent = ("iid", "source")  # PipelineBasic of older GitLab

    project.add_incident("API down", state="closed", description="Timeline.")
    project.add_incident("Queue backlog", description=None)  # open: closed_at/by null
    unrated = project.add_incident("Disk full", state="closed")
    unrated.absent = ("severity",)
    return older
