"""The read-only site model: everything a template may read, and nothing it has to work out.

Built once by ``renderer.site.build_site_model`` from the config, the store
snapshot and the classification. Every string here is already clean display
text (see ``renderer.text``); every ``href`` is either a path inside the site
that the model built itself or an http(s) URL that passed ``http_url``. The
only HTML is ``RenderedBody.html``, produced by the sanitiser in ``renderer.markdown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from collector.model.categories import Category
from collector.model.records import Kind
from config.models import forge_label
from renderer.crossref import Reference
from renderer.markdown import LazyBody, RenderedBody


@dataclass(frozen=True, slots=True)
class Rank:
    """Why an item sits where it does among the highlights."""

    score: float
    pinned: int | None  # 1-based position among the owner's pins, None: not pinned
    reasons: tuple[str, ...]  # "pinned by the owner (1st)", "deployed: +3", ...

    def key(self, entry: EvidenceEntry) -> tuple[int, int, float, float, str]:
        """Sort key: pins first (in order), then score, then newest, then path."""
        pinned = self.pinned if self.pinned is not None else 0
        return (
            0 if self.pinned is not None else 1,
            pinned,
            -self.score,
            -entry.event_at.timestamp(),
            entry.path,
        )


@dataclass(frozen=True, slots=True)
class Link:
    """A link out of the site. ``href`` is None when the URL was unsafe: show ``text`` only."""

    text: str
    href: str | None


@dataclass(frozen=True, slots=True)
class ContactLink:
    """A way to reach the owner, from ``[site.links]``: mailto: or an http(s) URL."""

    kind: str  # "email", "github", "gitlab", "linkedin", "website", "cv" or "other"
    label: str  # what the link says
    href: str
    me: bool  # a profile of the owner: rel="me"


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    title: str
    owner: str
    role: str
    tagline: str
    mission: str
    base_url: str  # ends with "/"
    language: str
    summary: str = ""  # the owner's one sentence for the first screen
    links: tuple[ContactLink, ...] = ()
    avatar: str | None = None  # site path of the owner's picture


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
    reasons: tuple[str, ...]  # sentences for the pages
    trace: tuple[str, ...]  # the classifier's own words, for ledger.json


@dataclass(frozen=True, slots=True)
class SystemRef:
    name: str
    slug: str
    path: str  # the system's dossier, e.g. "systems/ocm-brain.html"


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One surfaced item. A redacted entry holds only kind, category, date, systems and size.

    Redaction is decided here, not in templates: for a redacted entry every field
    that could identify the private work is None or empty, so no template can
    print it by mistake.
    """

    path: str  # page of this entry, relative to the site root
    redacted: bool
    kind: Kind
    kind_label: str  # "Merge request", "Commit", "Release", "Deployment", ...
    title: str  # the item's title, or "Merge request in a private repository of …, <date>"
    reference: str | None  # "#42", "!42", short sha, tag name, ADR file
    author: str | None
    repository: Link | None
    forge: str | None  # "GitHub", "GitLab (gitlab.example.com)"
    forge_slug: str | None  # "github" or "gitlab": the ledger's forge filter
    state: str | None  # merge requests: "open", "draft"; releases: "pre-release"
    branches: str | None  # merge requests: "source → target"
    event_label: str  # what the date is: "Merged", "Published", ...
    event_at: datetime
    collected_at: datetime | None
    source: Link | None  # permalink to the item on its forge
    labels: tuple[str, ...]  # every label, for ledger.json
    shown_labels: tuple[str, ...]  # labels without the owner's evidence tags, for pages
    body: LazyBody | None  # rendered when a page shows it
    categories: tuple[CategoryReasons, ...]
    systems: tuple[SystemRef, ...]
    size: str | None  # "+120 −30 in 5 files" when the forge reported it
    by_owner: bool = False  # authored by one of the owner's [identity] accounts
    # The title in pieces with its cross-references as links; () when it has none to link.
    title_pieces: tuple[str | Reference, ...] = ()

    @property
    def year(self) -> int:
        return self.event_at.year

    @property
    def shown_reference(self) -> str | None:
        """The reference beside the kind ("Merge request #42"), unless the title already
        says it ("payments-api v3.3.0 → production" needs no "Deployment production")."""
        if self.reference is None or self.reference in self.title:
            return None
        return self.reference

    @property
    def published_facts(self) -> str:
        """What a redacted entry's page shows, in words: "stage, date and system"."""
        facts = ["stage" if len(self.categories) == 1 else "stages", "date"]
        if self.systems:
            facts.append("system" if len(self.systems) == 1 else "systems")
        if self.size:
            facts.append("size")
        return ", ".join(facts[:-1]) + " and " + facts[-1]

    @property
    def forge_name(self) -> str:
        """ "GitHub" or "GitLab", for "View on GitLab" (``forge`` also names the host)."""
        return forge_label(self.forge_slug) if self.forge_slug else "the forge"


@dataclass(frozen=True, slots=True)
class PrivateSummary:
    """Redacted entries of a list, summed up: shown instead of them, or before them."""

    count: int
    headline: str  # "3 changes in private repositories"
    detail: str  # "2 in Deployment, 1 in Monitoring; 3 of Payments Platform"

    @property
    def text(self) -> str:
        return f"{self.headline}: {self.detail}." if self.detail else f"{self.headline}."


@dataclass(frozen=True, slots=True)
class CategorySection:
    """A stage with its surfaced entries: public ones newest first, then private ones."""

    stage: StageRef
    entries: tuple[EvidenceEntry, ...]
    highlights: tuple[EvidenceEntry, ...]  # the strongest few public ones, for the home page
    private: PrivateSummary | None = None  # the redacted entries among ``entries``

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class ChainStep:
    """One link of a chain: what happened (``role``) and the entry that proves it."""

    role: str  # "Merged", "Released", "Deployed", "Incident", "Reverted"
    entry: EvidenceEntry


@dataclass(frozen=True, slots=True)
class Chain:
    """A change followed through production: merge request → release/deployment → incident."""

    steps: tuple[ChainStep, ...]

    @property
    def head(self) -> EvidenceEntry:
        return self.steps[0].entry


@dataclass(frozen=True, slots=True)
class Window:
    """The period a figure covers, shown beside it."""

    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    label: str  # "Nov 2025 – Oct 2026"
    months: int


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One underlying item of a figure and what it contributed."""

    entry: EvidenceEntry
    detail: str  # "opened 2026-03-02, merged 2026-03-05: 3.3 days"
    related: EvidenceEntry | None = None  # e.g. the revert that marks a failed deployment
    seconds: float | None = None  # the duration this row contributed (lead-time figures)


@dataclass(frozen=True, slots=True)
class MonthCount:
    label: str  # "Mar 2026"
    count: int


@dataclass(frozen=True, slots=True)
class Figure:
    """A number computed from the evidence, with its definition, window and items."""

    slug: str  # "deployments", "lead-time-merge", ...: part of the path of its page
    title: str
    value: str | None  # None: no data in the window (or the kind is not collected yet)
    empty_note: str  # what to say when ``value`` is None
    definition: str
    window: Window
    rows: tuple[FigureRow, ...]
    path: str  # page listing the rows
    by_month: tuple[MonthCount, ...] = ()
    phrase: str | None = None  # the value in plain words: "14 deployments in 12 months"


@dataclass(frozen=True, slots=True)
class FigureSet:
    """The figures of one scope: the whole ledger, or one system."""

    scope: str  # "All systems" or the system's name
    slug: str  # "all" or "system-<slug>"
    figures: tuple[Figure, ...]


@dataclass(frozen=True, slots=True)
class SystemView:
    name: str
    slug: str
    path: str  # "systems/<slug>.html"
    ledger_path: str  # "ledger/system-<slug>.html"
    status: str
    mission: str
    repositories: tuple[Link, ...]  # public (or shown in full) repositories only
    evidence_count: int
    latest_version: str | None
    stack: tuple[str, ...]  # languages by bytes, largest first
    sections: tuple[CategorySection, ...]  # this system's entries by stage
    chains: tuple[Chain, ...]
    figures: FigureSet
    private: PrivateSummary | None = None


@dataclass(frozen=True, slots=True)
class DecisionSection:
    heading: str  # "Context", "Decision", "Consequences", ...
    body: RenderedBody


@dataclass(frozen=True, slots=True)
class DecisionView:
    """An engineering decision: an ADR record, or an architecture merge request."""

    entry: EvidenceEntry
    status: str | None  # "accepted", "superseded", ... (ADR records)
    sections: tuple[DecisionSection, ...]
    implemented_by: tuple[EvidenceEntry, ...]

    @property
    def anchor(self) -> str:
        """Stable id on the decisions page: the entry's page name (already [a-z0-9-])."""
        return "decision-" + self.entry.path.rsplit("/", 1)[-1].removesuffix(".html")


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
    evidence_count: int  # surfaced items of this repository
    changes_in_window: int  # merged merge requests and commits in the figures' window
    releases_in_window: int


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: Kind
    count: int
    phrase: str  # "23 merge requests"


@dataclass(frozen=True, slots=True)
class Counts:
    """Counts over every surfaced item of the site."""

    items: int
    stages_with_items: int
    stage_total: int  # sum of the stage counts: ``items`` plus one per extra stage of an item
    kinds: tuple[KindCount, ...]  # largest first, ties by kind name
    redacted: int
    definition: str  # what is counted, shown beside the counts

    @property
    def summary(self) -> str:
        """``"58 items in 4 stages"``."""
        items = "item" if self.items == 1 else "items"
        stages = "stage" if self.stages_with_items == 1 else "stages"
        return f"{self.items} {items} in {self.stages_with_items} {stages}"

    @property
    def in_two_stages(self) -> int:
        """How many more the stage counts add up to than the items: the double counted."""
        return self.stage_total - self.items


@dataclass(frozen=True, slots=True)
class SiteModel:
    identity: SiteIdentity
    generated_at: datetime  # UTC
    categories: tuple[CategorySection, ...]  # in trail order
    entries: tuple[EvidenceEntry, ...]  # every surfaced entry, newest first
    systems: tuple[SystemView, ...]
    repositories: tuple[PublicRepository, ...]
    decisions: tuple[DecisionView, ...]  # newest first
    chains: tuple[Chain, ...]  # every chain, newest head first
    figures: FigureSet  # over all surfaced evidence
    window: Window
    stylesheets: tuple[str, ...]  # site-relative paths, built-in first
    adr_records: bool  # whether any decision record was collected
    highlights: tuple[Figure, ...]  # the strongest figures, for the first screen
    ranks: Mapping[str, Rank]  # entry path -> how much it proves (renderer.ranking)
    counts: Counts  # the one set of numbers every page and ledger.json shows
    private: PrivateSummary | None = None  # every redacted entry, summed up

    @property
    def evidence_count(self) -> int:
        return len(self.entries)

    @property
    def updated_at(self) -> datetime:
        """The newest evidence: what feeds and ledger.json report instead of the build time."""
        return self.entries[0].event_at if self.entries else self.generated_at
