"""Inputs -> ``SiteModel``: the one pure step between the store snapshot and the pages.

Everything a page shows is decided here (what is surfaced, what is redacted,
the order of every list), so templates only read. Orders are total: ties on
dates are broken by the item's stable key or the repository's name, so the
same inputs always give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from collector.categories import STAGES, Category
from collector.classify import ClassifiedItem
from collector.records import Release, RepoRef, Repository
from collector.snapshot import Snapshot
from config.models import EvidenceConfig, SystemConfig
from evidence.errors import RenderError
from renderer.entries import build_entry, forge_label, stable_key, utc
from renderer.model import (
    CategorySection,
    EvidenceEntry,
    Link,
    PublicRepository,
    SiteIdentity,
    SiteModel,
    StageRef,
    SystemRef,
    SystemView,
)
from renderer.text import clean_line, http_url

__all__ = ["SiteModel", "build_site_model", "category_page"]

NEWEST_PER_STAGE = 3  # entries per stage on the home page
STACK_SIZE = 5  # languages shown per system
LANGUAGES_PER_REPOSITORY = 5
TOPICS_PER_REPOSITORY = 12
_OLDEST = datetime.min.replace(tzinfo=UTC)


def category_page(category: Category) -> str:
    """Path of a stage's page. Category values are fixed slugs, safe as file names."""
    return f"{category.value}.html"


def _repo_spec(ref: RepoRef) -> str:
    # Config lists repositories as forge:owner/name; forges treat paths case-insensitively.
    return str(ref).casefold()


class _Systems:
    """Which configured systems a repository belongs to."""

    def __init__(self, systems: Sequence[SystemConfig]) -> None:
        self._systems = tuple(systems)
        self._specs = {s.slug: frozenset(spec.casefold() for spec in s.repos) for s in systems}

    def of(self, ref: RepoRef) -> tuple[SystemRef, ...]:
        spec = _repo_spec(ref)
        return tuple(
            SystemRef(s.name, s.slug) for s in self._systems if spec in self._specs[s.slug]
        )

    def specs(self, system: SystemConfig) -> frozenset[str]:
        return self._specs[system.slug]


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
) -> tuple[tuple[ClassifiedItem, EvidenceEntry], ...]:
    surfaced = _newest_first(c for c in classified if c.classification.surfaced)
    keys = [stable_key(c.item) for c in surfaced]
    if len(set(keys)) != len(keys):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise RenderError(f"the snapshot holds the item {duplicate!r} twice")
    pairs = tuple(
        (c, build_entry(c, stages=stages, systems=systems.of(c.item.repo))) for c in surfaced
    )
    paths = [entry.path for _, entry in pairs]
    if len(set(paths)) != len(paths):
        duplicate = next(p for p in paths if paths.count(p) > 1)
        raise RenderError(f"two items would be written to {duplicate}; refusing to overwrite one")
    return pairs


def _sections(
    entries: Sequence[tuple[ClassifiedItem, EvidenceEntry]],
    stages: Mapping[Category, StageRef],
) -> tuple[CategorySection, ...]:
    sections = []
    for category, stage in stages.items():
        members = tuple(e for c, e in entries if category in c.classification.categories)
        sections.append(CategorySection(stage, members, members[:NEWEST_PER_STAGE]))
    return tuple(sections)


def _top_languages(languages: Mapping[str, int], limit: int) -> tuple[str, ...]:
    ranked = sorted(languages.items(), key=lambda pair: (-pair[1], pair[0]))
    names = (clean_line(name, 50) for name, _ in ranked)
    return tuple(name for name in names if name)[:limit]


def _latest_version(snapshot: Snapshot, public_specs: frozenset[str]) -> str | None:
    releases = [
        stored.item
        for stored in snapshot.items
        if isinstance(stored.item, Release)
        and not stored.item.draft
        and not stored.item.prerelease
        and _repo_spec(stored.item.repo) in public_specs
    ]
    if not releases:
        return None
    newest = max(releases, key=lambda r: (utc(r.event_at), stable_key(r)))
    return clean_line(newest.tag, 40) or None


def _system_views(
    config: EvidenceConfig,
    snapshot: Snapshot,
    entries: Sequence[tuple[ClassifiedItem, EvidenceEntry]],
    systems: _Systems,
) -> tuple[SystemView, ...]:
    public = {_repo_spec(r.ref): r for r in snapshot.repositories if r.is_public}
    views = []
    for system in config.systems:
        specs = systems.specs(system)
        # Config order, public repositories only: a private repository listed in a
        # system must not be named on a page.
        repositories = [
            public[spec.casefold()] for spec in system.repos if spec.casefold() in public
        ]
        stack: Counter[str] = Counter()
        for repository in repositories:
            stack.update(repository.languages)
        views.append(
            SystemView(
                name=system.name,
                slug=system.slug,
                status=system.status,
                mission=system.mission,
                repositories=tuple(_repository_link(r) for r in repositories),
                evidence_count=sum(1 for c, _ in entries if _repo_spec(c.item.repo) in specs),
                latest_version=_latest_version(snapshot, specs & public.keys()),
                stack=_top_languages(stack, STACK_SIZE),
            )
        )
    return tuple(views)


def _repository_link(repository: Repository) -> Link:
    return Link(clean_line(repository.ref.path, 200), http_url(repository.url))


def _public_repositories(snapshot: Snapshot) -> tuple[PublicRepository, ...]:
    shown = sorted(
        (r for r in snapshot.repositories if r.is_public and not r.fork),
        key=lambda r: (r.ref.path.casefold(), str(r.ref)),
    )
    shown.sort(key=lambda r: utc(r.pushed_at) if r.pushed_at else _OLDEST, reverse=True)
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
        )
        for r in shown
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
    stages = _stages()
    systems = _Systems(config.systems)
    pairs = _surfaced_entries(classified, stages, systems)
    site = config.site
    return SiteModel(
        identity=SiteIdentity(
            title=site.title,
            owner=site.owner,
            role=site.role,
            tagline=site.tagline,
            mission=site.mission,
            base_url=site.base_url,
            language=site.language,
        ),
        generated_at=utc(generated_at),
        categories=_sections(pairs, stages),
        entries=tuple(entry for _, entry in pairs),
        systems=_system_views(config, snapshot, pairs, systems),
        repositories=_public_repositories(snapshot),
    )
