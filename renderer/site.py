"""Inputs -> ``SiteModel``: the one pure step between the store snapshot and the pages.

Everything a page shows is decided here (what is surfaced, what is redacted,
the order of every list, the figures), so templates only read. Orders are
total: ties on dates are broken by the item's stable key or the repository's
name, so the same inputs always give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from types import MappingProxyType

from collector.classify import ClassifiedItem
from collector.model.categories import STAGES, Category
from collector.model.records import Commit, Kind, MergeRequest, Release, RepoRef, Repository
from collector.model.snapshot import Snapshot
from config.models import EvidenceConfig, SystemConfig
from core.errors import RenderError
from renderer.chains import Pair, Timeline, build_chains, build_timeline
from renderer.counts import count_entries
from renderer.crossref import ReferenceIndex, build_reference_index
from renderer.decisions import build_decisions
from renderer.entries import build_entry, forge_label, item_page_path, stable_key, utc
from renderer.figures import build_figures, figure_window, strongest_figures
from renderer.identity import avatar_path, site_identity
from renderer.model import (
    CategorySection,
    Chain,
    Link,
    PublicRepository,
    Rank,
    SiteModel,
    StageRef,
    SystemRef,
    SystemView,
)
from renderer.private import (
    distinct_private_titles,
    public_entries_first,
    public_first,
    summarise_private,
)
from renderer.ranking import HIGHLIGHTS_PER_STAGE, rank_entries, strongest
from renderer.text import clean_line, http_url
from renderer.titles import Titles

__all__ = ["SiteModel", "avatar_path", "build_site_model", "category_page"]

STACK_SIZE = 5  # languages shown per system
LANGUAGES_PER_REPOSITORY = 5
TOPICS_PER_REPOSITORY = 12
STYLESHEET = "style.css"
THEME_STYLESHEET = "theme.css"
_OLDEST = datetime.min.replace(tzinfo=UTC)


def category_page(category: Category) -> str:
    """Path of a stage's page. Category values are fixed slugs, safe as file names."""
    return f"{category.value}.html"


def system_page(slug: str) -> str:
    return f"systems/{slug}.html"


@cache  # a site has tens of repositories and tens of thousands of items asking
def _repo_spec(ref: RepoRef) -> str:
    # Config lists repositories as forge:owner/name; forges treat paths case-insensitively.
    return str(ref).casefold()


class _Systems:
    """Which configured systems a repository belongs to."""

    def __init__(self, systems: Sequence[SystemConfig]) -> None:
        self._systems = tuple(systems)
        self._specs = {s.slug: frozenset(spec.casefold() for spec in s.repos) for s in systems}
        self._of: dict[RepoRef, tuple[SystemRef, ...]] = {}

    def of(self, ref: RepoRef) -> tuple[SystemRef, ...]:
        found = self._of.get(ref)
        if found is None:
            spec = _repo_spec(ref)
            found = self._of[ref] = tuple(
                SystemRef(s.name, s.slug, system_page(s.slug))
                for s in self._systems
                if spec in self._specs[s.slug]
            )
        return found

    def specs(self, system: SystemConfig) -> frozenset[str]:
        return self._specs[system.slug]


class _Disclosure:
    """Which repositories may be named on a page: public ones, and private ones of a
    source whose owner chose ``show_private = "full"``."""

    def __init__(self, config: EvidenceConfig) -> None:
        self._full = frozenset(
            source.source_name for source in config.sources if source.show_private == "full"
        )

    def shown(self, repository: Repository | None) -> bool:
        if repository is None:
            return False
        return repository.is_public or repository.source in self._full


def _stages() -> dict[Category, StageRef]:
    return {
        category: StageRef(
            category=category,
            number=stage.number,
            title=stage.title,
            headline=stage.headline,
            summary=stage.summary,
            path=category_page(category),
        )
        for category, stage in sorted(STAGES.items(), key=lambda pair: pair[1].number)
    }


def _newest_first(classified: Iterable[ClassifiedItem]) -> list[ClassifiedItem]:
    ordered = sorted(classified, key=lambda c: stable_key(c.item))
    ordered.sort(key=lambda c: utc(c.item.event_at), reverse=True)  # stable: keys break ties
    return ordered


def _surfaced_entries(
    classified: Sequence[ClassifiedItem],
    stages: Mapping[Category, StageRef],
    systems: _Systems,
    disclosure: _Disclosure,
    config: EvidenceConfig,
    titles: Titles,
    references: ReferenceIndex,
) -> tuple[Pair, ...]:
    surfaced = _newest_first(c for c in classified if c.classification.surfaced)
    keys = [stable_key(c.item) for c in surfaced]
    if len(set(keys)) != len(keys):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise RenderError(f"the snapshot holds the item {duplicate!r} twice")
    pairs = tuple(
        (
            c,
            build_entry(
                c,
                stages=stages,
                systems=systems.of(c.item.repo),
                redact=not disclosure.shown(c.repository),
                owned=config.identity.owns(c.item.repo.forge, c.item.repo.host, c.item.author),
                owner=config.site.owner,
                tag_prefix=config.tags.prefix,
                title=titles.title_of(c.item),
                references=references,
            ),
        )
        for c in surfaced
    )
    pairs = distinct_private_titles(pairs)
    paths = [entry.path for _, entry in pairs]
    if len(set(paths)) != len(paths):
        duplicate = next(p for p in paths if paths.count(p) > 1)
        raise RenderError(f"two items would be written to {duplicate}; refusing to overwrite one")
    return pairs


def _sections(
    entries: Iterable[Pair], stages: Mapping[Category, StageRef], ranks: Mapping[str, Rank]
) -> tuple[CategorySection, ...]:
    listed = tuple(entries)
    sections = []
    for category, stage in stages.items():
        members = public_entries_first(
            e for c, e in listed if category in c.classification.categories
        )
        highlights = strongest(members, ranks, HIGHLIGHTS_PER_STAGE)
        sections.append(CategorySection(stage, members, highlights, summarise_private(members)))
    return tuple(sections)


def _top_languages(languages: Mapping[str, int], limit: int) -> tuple[str, ...]:
    ranked = sorted(languages.items(), key=lambda pair: (-pair[1], pair[0]))
    names = (clean_line(name, 50) for name, _ in ranked)
    return tuple(name for name in names if name)[:limit]


def _latest_version(snapshot: Snapshot, shown_specs: frozenset[str]) -> str | None:
    releases = [
        stored.item
        for stored in snapshot.items
        if isinstance(stored.item, Release)
        and not stored.item.draft
        and not stored.item.prerelease
        and _repo_spec(stored.item.repo) in shown_specs
    ]
    if not releases:
        return None
    newest = max(releases, key=lambda r: (utc(r.event_at), stable_key(r)))
    return clean_line(newest.tag, 40) or None


def _repository_link(repository: Repository) -> Link:
    return Link(clean_line(repository.ref.path, 200), http_url(repository.url))


def _chains_in(chains: Sequence[Chain], paths: frozenset[str]) -> tuple[Chain, ...]:
    listed = (chain for chain in chains if chain.head.path in paths)
    return public_first(listed, lambda chain: chain.head.redacted)


def _system_views(
    config: EvidenceConfig,
    snapshot: Snapshot,
    context: _Context,
) -> tuple[SystemView, ...]:
    shown = {_repo_spec(r.ref): r for r in snapshot.repositories if context.disclosure.shown(r)}
    # Where each repository's entries are in the ledger's order, so a system gathers its
    # entries without scanning every entry once per system.
    by_spec: dict[str, list[int]] = {}
    for n, (classified, _) in enumerate(context.pairs):
        by_spec.setdefault(_repo_spec(classified.item.repo), []).append(n)
    views = []
    for system in config.systems:
        specs = context.systems.specs(system)
        # Config order; a private repository listed in a system is never named unless
        # its source shows private work in full.
        repositories = [shown[s.casefold()] for s in system.repos if s.casefold() in shown]
        stack: Counter[str] = Counter()
        for repository in repositories:
            stack.update(repository.languages)
        members = [context.pairs[n] for n in sorted(chain(*(by_spec.get(s, ()) for s in specs)))]
        paths = frozenset(e.path for _, e in members)
        views.append(
            SystemView(
                name=system.name,
                slug=system.slug,
                path=system_page(system.slug),
                ledger_path=f"ledger/system-{system.slug}.html",
                status=system.status,
                mission=system.mission,
                repositories=tuple(_repository_link(r) for r in repositories),
                evidence_count=len(members),
                latest_version=_latest_version(snapshot, specs & shown.keys()),
                stack=_top_languages(stack, STACK_SIZE),
                sections=_sections(members, context.stages, context.ranks),
                chains=_chains_in(context.chains, paths),
                figures=build_figures(
                    context.timeline,
                    context.window,
                    scope=system.name,
                    slug=f"system-{system.slug}",
                    in_scope=_in_specs(specs),
                ),
                private=summarise_private(e for _, e in members),
            )
        )
    return tuple(views)


def _public_repositories(snapshot: Snapshot, context: _Context) -> tuple[PublicRepository, ...]:
    shown = sorted(
        (r for r in snapshot.repositories if r.is_public and not r.fork),
        key=lambda r: (r.ref.path.casefold(), str(r.ref)),
    )
    shown.sort(key=lambda r: utc(r.pushed_at) if r.pushed_at else _OLDEST, reverse=True)
    evidence = Counter(c.item.repo for c, _ in context.pairs)
    changes: Counter[RepoRef] = Counter()
    releases: Counter[RepoRef] = Counter()
    window = context.window
    for stored in snapshot.items:  # counts only: untagged work may count, never be shown
        item = stored.item
        if not window.start <= utc(item.event_at) < window.end:
            continue
        if (isinstance(item, MergeRequest) and item.merged_at) or isinstance(item, Commit):
            changes[item.repo] += 1
        elif isinstance(item, Release) and not item.draft:
            releases[item.repo] += 1
    return tuple(
        PublicRepository(
            name=clean_line(r.ref.path, 200),
            link=_repository_link(r),
            forge=forge_label(r.ref),
            description=clean_line(r.description, 500),
            languages=_top_languages(r.languages, LANGUAGES_PER_REPOSITORY),
            stars=r.stars,
            topics=tuple(t for t in (clean_line(t, 50) for t in r.topics) if t)[
                :TOPICS_PER_REPOSITORY
            ],
            pushed_at=utc(r.pushed_at) if r.pushed_at else None,
            archived=r.archived,
            evidence_count=evidence[r.ref],
            changes_in_window=changes[r.ref],
            releases_in_window=releases[r.ref],
        )
        for r in shown
    )


class _Context:
    """What every part of the model is computed from, built once."""

    def __init__(
        self,
        config: EvidenceConfig,
        snapshot: Snapshot,
        classified: Sequence[ClassifiedItem],
        generated_at: datetime,
    ) -> None:
        window = figure_window(generated_at)
        self.stages = _stages()
        self.systems = _Systems(config.systems)
        self.disclosure = _Disclosure(config)
        self.window = window
        self.references = build_reference_index(
            classified,
            snapshot.repositories,
            shown=self.disclosure.shown,
            page_of=lambda c: item_page_path(c, redacted=False),
        )
        self.pairs = _surfaced_entries(
            classified,
            self.stages,
            self.systems,
            self.disclosure,
            config,
            Titles(stored.item for stored in snapshot.items),
            self.references,
        )
        incident_records = any(s.item.kind is Kind.INCIDENT for s in snapshot.items)
        self.timeline: Timeline = build_timeline(
            self.pairs, classified, incident_records=incident_records
        )
        self.chains = build_chains(self.timeline)
        self.decisions = public_first(
            build_decisions(self.pairs, self.references), lambda d: d.entry.redacted
        )
        # [[overrides]] with pin = true, in file order: the owner's own highlights.
        pins = [o.url for o in config.overrides if o.pin]
        self.ranks = rank_entries(
            self.pairs,
            chains=self.chains,
            decisions=self.decisions,
            pins={url: n for n, url in enumerate(pins, start=1)},
            # The month the figures' window ends, not the build time: ranks (and the
            # dossiers that show them) then change once a month, not every night.
            as_of=window.end,
        )


def build_site_model(
    config: EvidenceConfig,
    snapshot: Snapshot,
    classified: Sequence[ClassifiedItem],
    *,
    generated_at: datetime,
) -> SiteModel:
    """Everything the pages show, decided once. Pure: no I/O, no clock."""
    if generated_at.tzinfo is None:
        raise RenderError("generated_at must be timezone-aware (e.g. datetime.now(UTC))")
    context = _Context(config, snapshot, classified, generated_at)
    site = config.site
    stylesheets = (STYLESHEET, THEME_STYLESHEET) if config.theme.css else (STYLESHEET,)
    categories = _sections(context.pairs, context.stages, context.ranks)
    figures = build_figures(
        context.timeline, context.window, scope="All systems", slug="all", in_scope=_any
    )
    entries = tuple(entry for _, entry in context.pairs)
    return SiteModel(
        identity=site_identity(site),
        generated_at=utc(generated_at),
        categories=categories,
        entries=entries,
        systems=_system_views(config, snapshot, context),
        repositories=_public_repositories(snapshot, context),
        decisions=context.decisions,
        ranks=MappingProxyType(context.ranks),
        chains=public_first(context.chains, lambda chain: chain.head.redacted),
        figures=figures,
        highlights=strongest_figures(figures),
        window=context.window,
        stylesheets=stylesheets,
        adr_records=any(s.item.kind is Kind.DECISION for s in snapshot.items),
        counts=count_entries(entries, categories),
        private=summarise_private(entries),
    )


def _any(_: RepoRef) -> bool:
    return True


def _in_specs(specs: frozenset[str]) -> Callable[[RepoRef], bool]:
    return lambda ref: _repo_spec(ref) in specs
