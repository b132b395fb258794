"""Which pages the site has, in a fixed order: the model cut into pages and pagination.

Paths are stable promises (people link to them): a stage's first page stays
``<category>.html``, later pages are ``<category>-2.html`` and so on; the
ledger's views live in ``ledger/``; dossiers in ``systems/``; figure lists in
``proves/``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from config.models import forge_label
from renderer.model import Chain, DecisionView, EvidenceEntry, SiteModel
from renderer.pages import (
    DECISIONS,
    HOME,
    JOURNAL,
    PROVES,
    REPOSITORIES,
    CategoryPage,
    DecisionsPage,
    FeedRef,
    FigurePage,
    HomePage,
    ItemPage,
    JournalMonth,
    JournalPage,
    LedgerFacet,
    LedgerFilter,
    LedgerPage,
    Page,
    Pager,
    ProvesPage,
    RepositoriesPage,
    SystemPage,
    page_paths,
)
from renderer.previews import stage_preview
from renderer.private import public_entries_first, summarise_private

STAGE_PAGE_SIZE = 25
JOURNAL_PAGE_SIZE = 25
LEDGER_PAGE_SIZE = 100
HOME_JOURNAL = 5
HOME_DECISIONS = 3
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

T = TypeVar("T")


def category_feed(slug: str, title: str) -> FeedRef:
    return FeedRef(title, f"feeds/{slug}.xml", f"feeds/{slug}.json")


def paginate(
    items: Sequence[T], stem: str, size: int
) -> Iterator[tuple[str, tuple[T, ...], Pager]]:
    """(path, slice, pager) per page; an empty list still gets its first page."""
    pages = max(1, -(-len(items) // size))
    paths = page_paths(stem, pages)
    for number, path in enumerate(paths, start=1):
        start = (number - 1) * size
        chunk = tuple(items[start : start + size])
        pager = Pager(number, paths, start + 1, start + len(chunk), len(items))
        yield path, chunk, pager


def _titled(title: str, pager: Pager) -> str:
    return title if pager.number == 1 else f"{title}, page {pager.number} of {pager.count}"


def _item_title(entry: EvidenceEntry) -> str:
    if entry.reference is None or entry.reference in entry.title:  # "… v3.3.0 → production"
        return entry.title
    if entry.reference == entry.title:  # a release named after its tag
        return f"{entry.kind_label} {entry.reference}"
    return f"{entry.kind_label} {entry.reference}: {entry.title}"


def _stage_pages(site: SiteModel) -> Iterator[Page]:
    for section in site.categories:
        stage = section.stage
        title = f"{stage.number:02d} {stage.title}"
        stem = stage.path.removesuffix(".html")
        preview = stage_preview(site, section)  # counts over the whole stage: once, not per page
        for path, chunk, pager in paginate(section.entries, stem, STAGE_PAGE_SIZE):
            yield CategoryPage(
                site=site,
                path=path,
                title=_titled(title, pager),
                description=f"{stage.headline}: {stage.summary}",
                feed=category_feed(stage.category.value, stage.title),
                category=section,
                entries=chunk,
                pager=pager,
                stage_preview=preview,
            )


Wanted = Callable[[EvidenceEntry], bool]
View = tuple[LedgerFilter, Wanted]


def _in_category(value: str) -> Wanted:
    return lambda e: any(r.stage.category.value == value for r in e.categories)


def _in_system(slug: str) -> Wanted:
    return lambda e: any(s.slug == slug for s in e.systems)


def _on_forge(forge: str) -> Wanted:
    return lambda e: e.forge_slug == forge


def _in_year(year: int) -> Wanted:
    return lambda e: e.year == year


def _ledger_views(site: SiteModel) -> tuple[LedgerFilter, list[tuple[LedgerFacet, list[View]]]]:
    """Every filtered view of the ledger (by facet) and the predicate selecting its entries."""
    entries = site.entries
    everything = LedgerFilter("", "", "All", "ledger/index.html", len(entries))
    categories: list[View] = [
        (
            LedgerFilter(
                "category",
                s.stage.category.value,
                s.stage.title,
                f"ledger/category-{s.stage.category.value}.html",
                s.count,
            ),
            _in_category(s.stage.category.value),
        )
        for s in site.categories
    ]
    systems: list[View] = [
        (
            LedgerFilter("system", s.slug, s.name, s.ledger_path, s.evidence_count),
            _in_system(s.slug),
        )
        for s in site.systems
    ]
    forge_counts = Counter(e.forge_slug for e in entries if e.forge_slug)
    forges: list[View] = [
        (
            LedgerFilter("forge", f, forge_label(f), f"ledger/forge-{f}.html", forge_counts[f]),
            _on_forge(f),
        )
        for f in sorted(forge_counts)
    ]
    year_counts = Counter(e.year for e in entries)
    years: list[View] = [
        (
            LedgerFilter("year", str(y), str(y), f"ledger/year-{y}.html", year_counts[y]),
            _in_year(y),
        )
        for y in sorted(year_counts, reverse=True)
    ]
    facets = [
        (LedgerFacet(title, tuple(f for f, _ in views)), views)
        for title, views in (
            ("Stage", categories),
            ("System", systems),
            ("Forge", forges),
            ("Year", years),
        )
    ]
    return everything, facets


def _ledger_pages(site: SiteModel) -> Iterator[Page]:
    everything, facets = _ledger_views(site)
    shown = tuple(f for f, _ in facets)
    views: list[View] = [(everything, lambda _: True)]
    views.extend(view for _, facet_views in facets for view in facet_views)
    for view, wanted in views:
        entries = public_entries_first(e for e in site.entries if wanted(e))
        title = "Evidence ledger" if not view.dimension else f"Evidence ledger: {view.label}"
        stem = view.path.removesuffix(".html")
        for path, chunk, pager in paginate(entries, stem, LEDGER_PAGE_SIZE):
            yield LedgerPage(
                site=site,
                path=path,
                title=_titled(title, pager),
                description="Every surfaced item of the evidence ledger in one table.",
                current=view,
                everything=everything,
                facets=shown,
                entries=chunk,
                pager=pager,
                private=summarise_private(entries),
            )


def _month_label(entry: EvidenceEntry) -> str:
    return f"{MONTH_NAMES[entry.event_at.month - 1]} {entry.event_at.year}"


def _journal_pages(site: SiteModel) -> Iterator[Page]:
    stem = JOURNAL.removesuffix(".html")
    # A logbook of what can be read: private work is summed up on it, not itemised.
    public = [e for e in site.entries if not e.redacted]
    for path, chunk, pager in paginate(public, stem, JOURNAL_PAGE_SIZE):
        months: list[JournalMonth] = []
        for entry in chunk:
            label = _month_label(entry)
            if months and months[-1].label == label:
                months[-1] = JournalMonth(label, (*months[-1].entries, entry))
            else:
                months.append(JournalMonth(label, (entry,)))
        yield JournalPage(
            site=site,
            path=path,
            title=_titled("Engineering journal", pager),
            description="A dated log of the surfaced evidence, newest first.",
            months=tuple(months),
            pager=pager,
            private=site.private,
        )


def _figure_pages(site: SiteModel) -> Iterator[Page]:
    scopes = [(site.figures, PROVES)] + [(s.figures, s.path) for s in site.systems]
    for figures, scope_path in scopes:
        for figure in figures.figures:
            yield FigurePage(
                site=site,
                path=figure.path,
                title=f"{figure.title}: {figures.scope}",
                description=figure.definition,
                figures=figures,
                figure=figure,
                scope_path=scope_path,
            )


def _chains_by_entry(site: SiteModel) -> dict[str, tuple[Chain, ...]]:
    found: dict[str, list[Chain]] = {}
    for chain in site.chains:
        for step in chain.steps:
            found.setdefault(step.entry.path, []).append(chain)
    return {path: tuple(chains) for path, chains in found.items()}


def _strongest_decisions(site: SiteModel) -> tuple[DecisionView, ...]:
    public = [d for d in site.decisions if not d.entry.redacted]
    public.sort(key=lambda d: site.ranks[d.entry.path].key(d.entry))
    return tuple(public[:HOME_DECISIONS])


def plan_pages(site: SiteModel) -> tuple[Page, ...]:
    """Every HTML page of the site, in a fixed order."""
    identity = site.identity
    pages: list[Page] = [
        HomePage(
            site=site,
            path=HOME,
            title=identity.owner,
            description=identity.tagline or identity.mission,
            journal=tuple(e for e in site.entries if not e.redacted)[:HOME_JOURNAL],
            decisions=_strongest_decisions(site),
        )
    ]
    pages.extend(_stage_pages(site))
    pages.extend(_ledger_pages(site))
    pages.extend(
        SystemPage(
            site=site,
            path=system.path,
            title=system.name,
            description=system.mission or f"{system.name}: {system.status}",
            system=system,
        )
        for system in site.systems
    )
    pages.append(
        DecisionsPage(
            site=site,
            path=DECISIONS,
            title="Engineering decisions",
            description="Why the systems were built this way, and what each choice bought.",
        )
    )
    pages.extend(_journal_pages(site))
    pages.append(
        ProvesPage(
            site=site,
            path=PROVES,
            title="What it proves",
            description="Figures computed from the evidence, each with its definition, "
            "window and items.",
        )
    )
    pages.extend(_figure_pages(site))
    pages.append(
        RepositoriesPage(
            site=site,
            path=REPOSITORIES,
            title="Public repositories",
            description="Public repositories that show the same patterns in code.",
        )
    )
    chains = _chains_by_entry(site)
    pages.extend(
        ItemPage(
            site=site,
            path=entry.path,
            title=_item_title(entry),
            description=f"{entry.kind_label}, {entry.event_at:%Y-%m-%d}: evidence with provenance.",
            entry=entry,
            chains=chains.get(entry.path, ()),
        )
        for entry in site.entries
    )
    return tuple(pages)
