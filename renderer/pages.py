"""The pages of the site: one declared context type per template, and the list to write.

A template receives exactly one ``page`` object (plus ``site``, the same model
as ``page.site``) and reads nothing else; these classes are that contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from renderer.model import CategorySection, EvidenceEntry, SiteModel

HOME = "index.html"
REPOSITORIES = "repositories.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    template: ClassVar[str]

    site: SiteModel
    path: str  # where the page is written, relative to the site root, "/"-separated
    title: str  # the page's own title; the layout adds the site title

    @property
    def root(self) -> str:
        """Relative prefix from this page to the site root, so links work from file://."""
        return "../" * self.path.count("/")

    @property
    def canonical_url(self) -> str:
        base = self.site.identity.base_url
        return base if self.path == HOME else base + self.path


@dataclass(frozen=True, slots=True, kw_only=True)
class HomePage(Page):
    template: ClassVar[str] = "index.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryPage(Page):
    template: ClassVar[str] = "category.html"

    section: CategorySection


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemPage(Page):
    template: ClassVar[str] = "item.html"

    entry: EvidenceEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class RepositoriesPage(Page):
    template: ClassVar[str] = "repositories.html"


def _item_title(entry: EvidenceEntry) -> str:
    if entry.reference is None:
        return entry.title
    if entry.reference == entry.title:  # a release named after its tag
        return f"{entry.kind_label} {entry.reference}"
    return f"{entry.kind_label} {entry.reference}: {entry.title}"


def plan_pages(site: SiteModel) -> tuple[Page, ...]:
    """Every page of the site, in a fixed order."""
    pages: list[Page] = [HomePage(site=site, path=HOME, title=site.identity.owner)]
    for section in site.categories:
        title = f"{section.stage.number:02d} {section.stage.title}"
        pages.append(CategoryPage(site=site, path=section.stage.path, title=title, section=section))
    pages.append(RepositoriesPage(site=site, path=REPOSITORIES, title="Public repositories"))
    pages.extend(
        ItemPage(site=site, path=entry.path, title=_item_title(entry), entry=entry)
        for entry in site.entries
    )
    return tuple(pages)
