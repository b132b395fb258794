"""The read-only site model: everything a template may read, and nothing it has to work out.

Built once by ``renderer.site.build_site_model`` from the config, the store
snapshot and the classification. Every string here is already clean display
text (see ``renderer.text``); every ``href`` is either a path inside the site
that the model built itself or an http(s) URL that passed ``http_url``. The
only HTML is ``RenderedBody.html``, produced by the sanitiser in ``renderer.markdown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collector.categories import Category
from renderer.markdown import RenderedBody


@dataclass(frozen=True, slots=True)
class Link:
    """A link out of the site. ``href`` is None when the URL was unsafe: show ``text`` only."""

    text: str
    href: str | None


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    title: str
    owner: str
    role: str
    tagline: str
    mission: str
    base_url: str  # ends with "/"
    language: str


@dataclass(frozen=True, slots=True)
class StageRef:
    """One stage of the evidence trail and where its page is."""

    category: Category
    number: int
    title: str
    headline: str
    summary: str
    path: str  # e.g. "deployment.html"


@dataclass(frozen=True, slots=True)
class CategoryReasons:
    """Why an entry sits in one category: people-readable reasons."""

    stage: StageRef
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SystemRef:
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One surfaced item. A redacted entry holds only category, date, systems and kind.

    Redaction is decided here, not in templates: for a redacted entry every field
    that could identify the private work is None or empty, so no template can
    print it by mistake.
    """

    path: str  # page of this entry, relative to the site root
    redacted: bool
    kind_label: str  # "Merge request", "Commit", "Release", "Tag"
    title: str  # the item's title, or "Merge request in a private repository"
    reference: str | None  # "#42", "!42", short sha or tag name
    author: str | None
    repository: Link | None
    forge: str | None  # "GitHub", "GitLab (gitlab.example.com)"
    state: str | None  # merge requests: "merged", "open", "closed"
    branches: str | None  # merge requests: "source → target"
    event_label: str  # what the date is: "Merged", "Published", ...
    event_at: datetime
    collected_at: datetime | None
    source: Link | None  # permalink to the item on its forge
    labels: tuple[str, ...]
    body: RenderedBody | None
    categories: tuple[CategoryReasons, ...]
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True, slots=True)
class CategorySection:
    """A stage with its surfaced entries, newest first."""

    stage: StageRef
    entries: tuple[EvidenceEntry, ...]
    newest: tuple[EvidenceEntry, ...]  # the few shown on the home page

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class SystemView:
    name: str
    slug: str
    status: str
    mission: str
    repositories: tuple[Link, ...]  # public repositories only
    evidence_count: int
    latest_version: str | None
    stack: tuple[str, ...]  # languages by bytes, largest first


@dataclass(frozen=True, slots=True)
class PublicRepository:
    name: str
    link: Link
    forge: str
    description: str
    languages: tuple[str, ...]
    stars: int
    topics: tuple[str, ...]
    pushed_at: datetime | None
    archived: bool


@dataclass(frozen=True, slots=True)
class SiteModel:
    identity: SiteIdentity
    generated_at: datetime  # UTC
    categories: tuple[CategorySection, ...]  # in trail order
    entries: tuple[EvidenceEntry, ...]  # every surfaced entry, newest first
    systems: tuple[SystemView, ...]
    repositories: tuple[PublicRepository, ...]

    @property
    def evidence_count(self) -> int:
        return len(self.entries)
