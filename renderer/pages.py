"""The pages of the site: one declared context type per template.

A template receives exactly one ``page`` object (plus ``site``, the same model
as ``page.site``) and reads nothing else; these classes are that contract.
``renderer.plan`` decides which pages exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from renderer.charts import (
    ChainDiagram,
    Distribution,
    MonthBars,
    activity_chart,
    chain_diagram,
    deployments_chart,
    figure_distribution,
)
from renderer.model import (
    CategorySection,
    Chain,
    DecisionView,
    EvidenceEntry,
    Figure,
    FigureSet,
    PrivateSummary,
    SiteModel,
    SystemView,
)
from renderer.previews import Preview, home_preview, system_preview
from renderer.text import truncate

TAB_LIMIT = 70  # characters of a <title>: about what search results and tabs show
HOME = "index.html"
REPOSITORIES = "repositories.html"
DECISIONS = "decisions.html"
PROVES = "what-it-proves.html"
JOURNAL = "journal.html"
LEDGER = "ledger/index.html"
ATOM_FEED = "feed.xml"
JSON_FEED = "feed.json"
# The main navigation's pages: on these, the header marks the page itself as current.
NAVIGATION_PAGES = frozenset({HOME, LEDGER, DECISIONS, JOURNAL, PROVES, REPOSITORIES})


def _shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut after a whole word when it is not too far back."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:·—–-") + "…"


@dataclass(frozen=True, slots=True)
class FeedRef:
    title: str
    atom: str  # site-relative path of the Atom feed
    json: str  # site-relative path of the JSON Feed


SITE_FEED = FeedRef("All evidence", ATOM_FEED, JSON_FEED)
SYSTEM_CHAINS = 10  # chains drawn and listed on a dossier, newest first
PAGER_SIDE = 2  # page links on each side of the current one


def _figure(figures: FigureSet, slug: str) -> Figure | None:
    return next((f for f in figures.figures if f.slug == slug), None)


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a page sits in a paginated list: ``paths[number - 1]`` is this page."""

    number: int  # 1-based
    paths: tuple[str, ...]
    first: int  # 1-based index of the page's first item in the whole list
    last: int
    total: int

    @property
    def count(self) -> int:
        return len(self.paths)

    @property
    def previous(self) -> str | None:
        return self.paths[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.paths[self.number] if self.number < self.count else None

    @property
    def numbers(self) -> tuple[int | None, ...]:
        """The page numbers to link, None where a run of them is left out: the first and
        last pages and two on each side of this one ("1 … 5 6 7 8 9 … 800"), so a list of
        20,000 items has pager links of constant size on each page, not 800 of them."""
        shown = {1, self.count, *range(self.number - PAGER_SIDE, self.number + PAGER_SIDE + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in shown if 1 <= n <= self.count):
            if numbers and number - (numbers[-1] or 0) == 2:
                numbers.append(number - 1)  # a gap of one page: show it rather than "…"
            elif numbers and number - (numbers[-1] or 0) > 2:
                numbers.append(None)
            numbers.append(number)
        return tuple(numbers)


def page_paths(stem: str, pages: int) -> tuple[str, ...]:
    """``stem.html``, ``stem-2.html``, …: the first page keeps the unpaginated path."""
    return tuple(f"{stem}.html" if n == 1 else f"{stem}-{n}.html" for n in range(1, pages + 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    template: ClassVar[str]
    section: ClassVar[str] = ""  # which main-navigation entry this page belongs to
    og_type: ClassVar[str] = "website"
    scripts: ClassVar[tuple[str, ...]] = ()  # site-relative module scripts; widen the CSP

    site: SiteModel
    path: str  # where the page is written, relative to the site root, "/"-separated
    title: str  # the page's own title; the layout adds the site title
    description: str = ""  # meta and Open Graph description; the tagline when empty
    feed: FeedRef | None = None  # a feed of this page's own list, besides the site feed

    @property
    def tab_title(self) -> str:
        """``<page> · <owner>``, at most ``TAB_TITLE_LIMIT`` characters: what a browser tab,
        a bookmark and a search result show, so the owner's name always survives the cut."""
        identity = self.site.identity
        if self.path == HOME:
            about = identity.role or identity.title
            return truncate(f"{identity.owner} · {about}" if about else identity.owner, TAB_LIMIT)
        suffix = f" · {identity.owner}"
        return _shorten(self.heading, max(TAB_LIMIT - len(suffix), 20)) + suffix

    @property
    def heading(self) -> str:
        """What the tab title says this page is; an item page's own title, without its kind."""
        return self.title

    @property
    def root(self) -> str:
        """Relative prefix from this page to the site root, so links work from file://."""
        return "../" * self.path.count("/")

    @property
    def header_key(self) -> tuple[str, str, str, str]:
        """Everything the site header differs by from page to page, the key it is rendered
        once under (``renderer.fragments``): the way to the root, the section and the menu
        page it marks current, and the stage a stage page marks in the evidence trail."""
        current = self.path if self.path in NAVIGATION_PAGES else ""
        category = getattr(self, "category", None)
        stage = category.stage.category.value if category is not None else ""
        return (self.root, self.section, current, stage)

    @property
    def canonical_url(self) -> str:
        base = self.site.identity.base_url
        return base if self.path == HOME else base + self.path

    @property
    def meta_description(self) -> str:
        identity = self.site.identity
        return self.description or identity.tagline or f"Engineering evidence of {identity.owner}"

    def url(self, path: str) -> str:
        """Absolute URL of a site path, for feeds and meta tags."""
        return self.site.identity.base_url + path

    @property
    def preview(self) -> Preview:
        """The page's link-preview image: the home page's, unless the page has its own."""
        return home_preview(self.site)


@dataclass(frozen=True, slots=True, kw_only=True)
class HomePage(Page):
    template: ClassVar[str] = "index.html"
    section: ClassVar[str] = "home"

    journal: tuple[EvidenceEntry, ...]  # the newest public entries
    decisions: tuple[DecisionView, ...] = ()  # the strongest few public decisions

    @property
    def activity_chart(self) -> MonthBars:
        return activity_chart(self.site.categories, self.site.window)


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryPage(Page):
    template: ClassVar[str] = "category.html"
    section: ClassVar[str] = "trail"

    category: CategorySection
    entries: tuple[EvidenceEntry, ...]  # this page's slice
    pager: Pager
    stage_preview: Preview  # the stage's link preview, shared by its pages

    @property
    def preview(self) -> Preview:
        return self.stage_preview


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """One pre-rendered view of the ledger: all items, or those of one value."""

    dimension: str  # "", "category", "system", "forge" or "year"
    value: str  # slug of the value ("" for all)
    label: str  # "Architecture", "OCM Brain", "GitHub", "2026", "All"
    path: str  # first page of the view
    count: int


@dataclass(frozen=True, slots=True)
class LedgerFacet:
    title: str  # "Stage", "System", "Forge", "Year"
    filters: tuple[LedgerFilter, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerPage(Page):
    template: ClassVar[str] = "ledger.html"
    section: ClassVar[str] = "ledger"
    scripts: ClassVar[tuple[str, ...]] = ("search.js",)  # search, as an enhancement

    current: LedgerFilter
    everything: LedgerFilter
    facets: tuple[LedgerFacet, ...]
    entries: tuple[EvidenceEntry, ...]
    pager: Pager
    private: PrivateSummary | None = None  # the view's redacted items, listed after the rest


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemPage(Page):
    template: ClassVar[str] = "system.html"
    section: ClassVar[str] = "home"

    system: SystemView

    @property
    def preview(self) -> Preview:
        return system_preview(self.site, self.system)

    @property
    def chain_diagram(self) -> ChainDiagram | None:
        chains = self.system.chains[:SYSTEM_CHAINS]
        return chain_diagram("chains", self.system.name, chains) if chains else None

    @property
    def deployments_chart(self) -> MonthBars | None:
        figure = _figure(self.system.figures, "deployments")
        return deployments_chart(figure) if figure and figure.rows else None


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionsPage(Page):
    template: ClassVar[str] = "decisions.html"
    section: ClassVar[str] = "decisions"


@dataclass(frozen=True, slots=True)
class JournalMonth:
    label: str  # "March 2026"
    entries: tuple[EvidenceEntry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalPage(Page):
    template: ClassVar[str] = "journal.html"
    section: ClassVar[str] = "journal"

    months: tuple[JournalMonth, ...]
    pager: Pager
    private: PrivateSummary | None = None  # private work, summed up instead of listed


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvesPage(Page):
    template: ClassVar[str] = "proves.html"
    section: ClassVar[str] = "proves"

    @property
    def deployments_chart(self) -> MonthBars | None:
        figure = _figure(self.site.figures, "deployments")
        return deployments_chart(figure) if figure and figure.rows else None

    @property
    def lead_time_chart(self) -> Distribution | None:
        figure = _figure(self.site.figures, "lead-time-deploy")
        return figure_distribution(figure, "lead-time") if figure else None


@dataclass(frozen=True, slots=True, kw_only=True)
class FigurePage(Page):
    template: ClassVar[str] = "figure.html"
    section: ClassVar[str] = "proves"

    figures: FigureSet
    figure: Figure
    scope_path: str  # where the scope's figures are shown (what-it-proves or a dossier)

    @property
    def chart(self) -> MonthBars | Distribution | None:
        """Counts per month for a count, the spread for a median; None without data."""
        if not self.figure.rows:
            return None
        if self.figure.by_month:
            return deployments_chart(self.figure, "by-month")
        return figure_distribution(self.figure, "distribution")


@dataclass(frozen=True, slots=True, kw_only=True)
class RepositoriesPage(Page):
    template: ClassVar[str] = "repositories.html"
    section: ClassVar[str] = "repositories"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemPage(Page):
    template: ClassVar[str] = "item.html"
    section: ClassVar[str] = "ledger"
    og_type: ClassVar[str] = "article"

    entry: EvidenceEntry
    chains: tuple[Chain, ...]  # chains this item is a step of

    @property
    def heading(self) -> str:
        return self.entry.title
