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

Forge = Literal["github", "gitlab"]


class Kind(StrEnum):
    """What an item is. The value is stored; never rename one."""

    MERGE_REQUEST = "merge_request"
    COMMIT = "commit"
    RELEASE = "release"
    TAG = "tag"


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
    description: str = ""
    url: str
    default_branch: str = "main"
    languages: dict[str, int] = Field(default_factory=dict, description="language -> bytes")
    topics: tuple[str, ...] = ()
    stars: int = 0
    visibility: Visibility = Visibility.PUBLIC
    fork: bool = False
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


AnyItem = Annotated[MergeRequest | Commit | Release | Tag, Field(discriminator="record_kind")]
ITEM_TYPES: dict[Kind, type[Item]] = {
    Kind.MERGE_REQUEST: MergeRequest,
    Kind.COMMIT: Commit,
    Kind.RELEASE: Release,
    Kind.TAG: Tag,
}
