"""Normalised records: what every forge is mapped into before it reaches the store.

These are the typed, immutable objects that cross the collector -> store ->
classification -> renderer boundaries. GitHub pull requests and GitLab merge
requests are both ``MergeRequest``; a forge-specific field that a later rule may
need belongs in ``extra`` rather than being dropped, so rules can be re-applied
to stored records without refetching.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# The ``forge = "..."`` tag of the source that read it ("github", "gitlab", ...): any
# forge package may add its own, so the records do not list them.
Forge = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]


class Kind(StrEnum):
    """What an item is. The value is stored; never rename one."""

    MERGE_REQUEST = "merge_request"
    COMMIT = "commit"
    RELEASE = "release"
    TAG = "tag"
    DEPLOYMENT = "deployment"  # GitHub deployments, GitLab deployments
    PIPELINE = "pipeline"  # GitHub Actions workflow runs, GitLab pipelines
    INCIDENT = "incident"  # GitHub issues with the incident label, GitLab incidents
    DECISION = "decision"  # architecture decision records (ADR files)


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"  # GitHub Enterprise and GitLab: visible to the instance, not the world
    PRIVATE = "private"


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RepoRef(Record):
    """Where a repository lives: stable across renames of nothing but the path."""

    forge: Forge
    host: str = Field(description="Web host of the forge, e.g. github.com or gitlab.example.com")
    path: str = Field(description="owner/name on GitHub, full group path on GitLab")

    def __str__(self) -> str:
        return (
            f"{self.forge}:{self.path}"
            if self.host in DEFAULT_HOSTS
            else (f"{self.forge}:{self.host}/{self.path}")
        )

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


DEFAULT_HOSTS = frozenset({"github.com", "gitlab.com"})


class Repository(Record):
    ref: RepoRef
    source: str = Field(description="Name of the configured source that collected it")
    forge_id: str | None = Field(
        None, description="The forge's own id of the repository: it survives renames and moves"
    )
    description: str = ""
    url: str
    default_branch: str = "main"
    languages: dict[str, int] = Field(
        default_factory=dict,
        description="language -> weight: bytes on GitHub, hundredths of a percent on GitLab "
        "(whose API gives only shares); compare within one repository",
    )
    topics: tuple[str, ...] = ()
    stars: int = 0
    visibility: Visibility = Visibility.PUBLIC
    fork: bool = False
    forked_from: str | None = Field(
        None, description="Path of the repository this one is a fork of, when the forge says"
    )
    archived: bool = False
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    pushed_at: AwareDatetime | None = None

    @property
    def is_public(self) -> bool:
        return self.visibility is Visibility.PUBLIC


class Item(Record):
    """Common fields of everything collected from a repository."""

    kind: ClassVar[Kind]

    repo: RepoRef
    url: str
    title: str = Field(description="One line: PR title, commit subject, release name or tag")
    author: str = ""
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Forge-specific raw fields kept for later rules"
    )

    @property
    def key(self) -> str:
        """Number, sha or tag name: unique within (repo, kind)."""
        raise NotImplementedError

    @property
    def event_at(self) -> datetime:
        """The moment that dates this item as evidence."""
        return self.created_at


class MergeRequest(Item):
    kind: ClassVar[Kind] = Kind.MERGE_REQUEST
    record_kind: Literal["merge_request"] = "merge_request"

    number: int = Field(description="GitHub PR number or GitLab MR iid")
    body: str = ""
    state: Literal["open", "closed", "merged"]
    draft: bool = False
    labels: tuple[str, ...] = ()
    source_branch: str = ""
    target_branch: str = ""
    merged_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    merge_commit_sha: str | None = None

    @property
    def key(self) -> str:
        return str(self.number)

    @property
    def event_at(self) -> datetime:
        return self.merged_at or self.closed_at or self.created_at


class Commit(Item):
    kind: ClassVar[Kind] = Kind.COMMIT
    record_kind: Literal["commit"] = "commit"

    sha: str
    message: str
    committed_at: AwareDatetime | None = None

    @property
    def key(self) -> str:
        return self.sha


class Release(Item):
    kind: ClassVar[Kind] = Kind.RELEASE
    record_kind: Literal["release"] = "release"

    tag: str
    name: str = ""
    body: str = ""
    draft: bool = False
    prerelease: bool = False
    published_at: AwareDatetime | None = None

    @property
    def key(self) -> str:
        return self.tag

    @property
    def event_at(self) -> datetime:
        return self.published_at or self.created_at


class Tag(Item):
    kind: ClassVar[Kind] = Kind.TAG
    record_kind: Literal["tag"] = "tag"

    name: str
    sha: str

    @property
    def key(self) -> str:
        return self.name


class Deployment(Item):
    """A deployment to an environment, with its latest status."""

    kind: ClassVar[Kind] = Kind.DEPLOYMENT
    record_kind: Literal["deployment"] = "deployment"

    id: str = Field(description="Forge id of the deployment")
    environment: str
    sha: str = ""
    ref: str = Field("", description="Branch or tag that was deployed")
    status: str = Field(
        "",
        description="How it went: success (it ran successfully, even if a newer deployment "
        "superseded it since), failure, error, in_progress, ...; empty when not asked",
    )
    finished_at: AwareDatetime | None = Field(
        None, description="When it ran: its success (or final) status, not when superseded"
    )

    @property
    def key(self) -> str:
        return self.id

    @property
    def succeeded(self) -> bool:
        """Ran successfully: what every deployment figure counts.

        ``inactive`` is kept by records stored before statuses were read in full:
        GitHub supersedes only deployments that succeeded. Empty: never asked (not a
        production environment), taken at its word as a deployment that happened.
        """
        return self.status in ("", "success", "inactive")

    @property
    def event_at(self) -> datetime:
        if self.status == "inactive":
            # Stored with the time it was superseded, often months after it ran.
            return self.created_at
        return self.finished_at or self.created_at


class Pipeline(Item):
    """A CI run: a GitHub Actions workflow run or a GitLab pipeline, with its job names."""

    kind: ClassVar[Kind] = Kind.PIPELINE
    record_kind: Literal["pipeline"] = "pipeline"

    id: str
    name: str = Field("", description="Workflow name (GitHub) or pipeline name (GitLab)")
    workflow_path: str = Field("", description="e.g. .github/workflows/deploy.yml")
    jobs: tuple[str, ...] = Field((), description="Job names (GitLab deploy jobs, ...)")
    environments: tuple[str, ...] = ()
    status: str = Field("", description="success, failure, cancelled, running, ...")
    sha: str = ""
    ref: str = ""
    finished_at: AwareDatetime | None = None

    @property
    def key(self) -> str:
        return self.id

    @property
    def event_at(self) -> datetime:
        return self.finished_at or self.created_at


class Incident(Item):
    """An incident issue; resolved when closed."""

    kind: ClassVar[Kind] = Kind.INCIDENT
    record_kind: Literal["incident"] = "incident"

    number: int
    body: str = ""
    state: Literal["open", "closed"]
    labels: tuple[str, ...] = ()
    closed_at: AwareDatetime | None = None

    @property
    def key(self) -> str:
        return str(self.number)


class Decision(Item):
    """An architecture decision record read from a file in the repository."""

    kind: ClassVar[Kind] = Kind.DECISION
    record_kind: Literal["decision"] = "decision"

    path: str = Field(description="File path in the repository, e.g. docs/adr/0007-queues.md")
    format: Literal["madr", "nygard", "plain"] = "plain"
    status: str = ""
    date: AwareDatetime | None = None
    context: str = ""
    decision: str = ""
    consequences: str = ""
    sha: str = Field("", description="Blob sha of the file version read")

    @property
    def key(self) -> str:
        return self.path

    @property
    def event_at(self) -> datetime:
        return self.date or self.created_at


AnyItem = Annotated[
    MergeRequest | Commit | Release | Tag | Deployment | Pipeline | Incident | Decision,
    Field(discriminator="record_kind"),
]
ITEM_TYPES: dict[Kind, type[Item]] = {
    Kind.MERGE_REQUEST: MergeRequest,
    Kind.COMMIT: Commit,
    Kind.RELEASE: Release,
    Kind.TAG: Tag,
    Kind.DEPLOYMENT: Deployment,
    Kind.PIPELINE: Pipeline,
    Kind.INCIDENT: Incident,
    Kind.DECISION: Decision,
}
