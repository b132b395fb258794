"""Classification: which stored items are evidence, of which category, and why.

Pure functions over stored records, re-run on every render, so a changed rule
needs no refetch. Precedence, strongest first:

1. an override by URL (``[[overrides]]``: hide, pin, categories);
2. the owner's explicit category (label ``evidence:<category>``, GitLab
   ``evidence::<category>``, or a commit trailer ``Evidence: <category>``);
3. rules in order — the owner's ``[[rules]]``, then the built-in set — each
   matching rule adding its categories until a ``final`` one;
4. merge-request evidence for a change nothing else matched.

Surfacing (shown individually) is separate: tagged or pinned items, plus the
kinds the ``[surface]`` policy shows for public repositories.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from collector.classify.rules import Rule, compile_rules, facts_of
from collector.model.categories import Category
from collector.model.records import (
    Commit,
    Decision,
    Deployment,
    Incident,
    Item,
    MergeRequest,
    Release,
    Repository,
)
from collector.model.snapshot import Snapshot, StoredItem
from config.models import EvidenceConfig
from config.rules import OverrideConfig


@dataclass(frozen=True, slots=True)
class Reason:
    category: Category
    rule: str  # "override", "owner-label", "owner-trailer", a rule's name, or "default"
    detail: str  # what matched, for people: "label 'evidence:deployment'"


@dataclass(frozen=True, slots=True)
class Classification:
    surfaced: bool
    categories: tuple[Category, ...]
    reasons: tuple[Reason, ...]
    surfacing: str = ""  # why the item is (or is not) shown individually
    hidden: bool = False  # an override hides it everywhere, figures included

    def reasons_for(self, category: Category) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.category is category)


def _default_rules() -> tuple[Rule, ...]:
    return compile_rules((), with_defaults=True)


@dataclass(frozen=True, slots=True)
class Policy:
    """The owner's choices that steer classification, compiled once per render."""

    tag_prefix: str = "evidence"
    surface_releases: bool = True
    surface_deployments: str = "production"  # production | all | none
    surface_incidents: str = "resolved"  # resolved | all | none
    surface_decisions: bool = True
    production_environments: tuple[str, ...] = ("production", "prod", "prod-*", "live")
    rules: tuple[Rule, ...] = field(default_factory=_default_rules)
    overrides: Mapping[str, OverrideConfig] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: EvidenceConfig) -> Policy:
        return cls(
            tag_prefix=config.tags.prefix,
            surface_releases=config.surface.releases,
            surface_deployments=config.surface.deployments,
            surface_incidents=config.surface.incidents,
            surface_decisions=config.surface.decisions,
            production_environments=config.classify.production_environments,
            rules=compile_rules(config.rules, with_defaults=config.classify.default_rules),
            overrides={o.url: o for o in config.overrides},
        )

    def is_production(self, environment: str) -> bool:
        name = environment.lower()
        return any(fnmatch.fnmatchcase(name, glob.lower()) for glob in self.production_environments)


TRAILER = re.compile(r"^Evidence:[ \t]*(?P<value>\S.*?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class OwnerTag:
    """What the owner's labels (or commit trailer) ask for."""

    tagged: bool
    categories: tuple[Category, ...]
    reasons: tuple[Reason, ...]
    unknown: tuple[str, ...] = ()  # evidence:<slug> labels whose slug is not a category


NOT_TAGGED = OwnerTag(False, (), ())


def read_owner_labels(labels: Iterable[str], prefix: str) -> OwnerTag:
    """Parse ``prefix``, ``prefix:<slug>`` and GitLab's scoped ``prefix::<slug>`` labels."""
    tagged = False
    categories: list[Category] = []
    reasons: list[Reason] = []
    unknown: list[str] = []
    for label in labels:
        name = label.strip()
        head, sep, slug = name.partition(":")
        if head.lower() != prefix.lower():
            continue
        tagged = True
        slug = slug.removeprefix(":").strip().lower() if sep else ""
        if not slug:
            continue
        try:
            category = Category(slug)
        except ValueError:
            unknown.append(name)
            continue
        if category not in categories:
            categories.append(category)
            reasons.append(Reason(category, "owner-label", f"label '{name}'"))
    return OwnerTag(tagged, tuple(categories), tuple(reasons), tuple(unknown))


def read_commit_trailer(message: str) -> OwnerTag:
    """``Evidence: <category>`` (or ``Evidence: yes``) as a git trailer in the last paragraph."""
    last_paragraph = message.strip().rsplit("\n\n", 1)[-1]
    categories: list[Category] = []
    reasons: list[Reason] = []
    tagged = False
    unknown: list[str] = []
    for match in TRAILER.finditer(last_paragraph):
        tagged = True
        for value in re.split(r"[,\s]+", match["value"].lower()):
            if value in {"", "yes", "true"}:
                continue
            try:
                category = Category(value)
            except ValueError:
                unknown.append(value)
                continue
            if category not in categories:
                categories.append(category)
                reasons.append(Reason(category, "owner-trailer", f"trailer 'Evidence: {value}'"))
    return OwnerTag(tagged, tuple(categories), tuple(reasons), tuple(unknown))


def owner_tag(item: Item, prefix: str) -> OwnerTag:
    if isinstance(item, MergeRequest):
        return read_owner_labels(item.labels, prefix)
    if isinstance(item, Commit):
        return read_commit_trailer(item.message)
    return NOT_TAGGED


def apply_rules(item: Item, rules: Iterable[Rule]) -> tuple[Reason, ...]:
    """Reasons from every matching rule, in order, up to and including a final one."""
    facts = facts_of(item)
    reasons: list[Reason] = []
    for rule in rules:
        matched = rule.match(facts)
        if matched is None:
            continue
        label = f"rule '{rule.name}'" + (" (yours)" if rule.origin == "config" else "")
        reasons.extend(Reason(c, rule.name, f"{label}: {matched}") for c in rule.categories)
        if rule.final:
            break
    return tuple(reasons)


def _categories_of(reasons: Iterable[Reason]) -> tuple[Category, ...]:
    found = {r.category for r in reasons}
    return tuple(c for c in Category if c in found)


def classify(item: Item, repository: Repository | None, policy: Policy) -> Classification:
    """Classify one stored item. ``repository`` is None when its repository is unknown."""
    override = policy.overrides.get(item.url.rstrip("/"))
    if override is not None and override.hide:
        return Classification(False, (), (), f"hidden by the override for {override.url}", True)
    tag = owner_tag(item, policy.tag_prefix)
    if override is not None and override.categories:
        categories = tuple(Category(c) for c in override.categories)
        reasons = tuple(Reason(c, "override", f"override for {override.url}") for c in categories)
    elif tag.categories:
        categories, reasons = tag.categories, tag.reasons
    else:
        reasons = apply_rules(item, policy.rules)
        if not reasons and isinstance(item, MergeRequest | Commit):
            reasons = (Reason(Category.MERGE_REQUEST, "default", "no rule matched a later stage"),)
        categories = _categories_of(reasons)
    surfaced, surfacing = _surfacing(item, repository, policy, tag, override)
    return Classification(surfaced and bool(categories), categories, reasons, surfacing)


def _surfacing(
    item: Item,
    repository: Repository | None,
    policy: Policy,
    tag: OwnerTag,
    override: OverrideConfig | None,
) -> tuple[bool, str]:
    if override is not None and override.pin:
        return True, f"pinned by the override for {override.url}"
    if tag.tagged:
        return True, "tagged by the owner"
    public = repository is not None and repository.is_public
    if isinstance(item, Release):
        if not policy.surface_releases:
            return False, "releases are not surfaced ([surface] releases = false)"
        if item.draft:
            return False, "draft release"
        return public, "release of a public repository" if public else "private repository"
    if isinstance(item, Deployment):
        wanted = policy.surface_deployments == "all" or (
            policy.surface_deployments == "production" and policy.is_production(item.environment)
        )
        if not wanted:
            return False, f"deployments to '{item.environment}' are not surfaced"
        if item.status != "success":
            return False, f"deployment status '{item.status}'"
        return public, "deployment of a public repository" if public else "private repository"
    if isinstance(item, Incident):
        if policy.surface_incidents == "none" or (
            policy.surface_incidents == "resolved" and item.state != "closed"
        ):
            return False, "unresolved incident" if item.state != "closed" else "incidents hidden"
        return public, "incident of a public repository" if public else "private repository"
    if isinstance(item, Decision):
        if not policy.surface_decisions:
            return False, "decision records are not surfaced ([surface] decisions = false)"
        return public, "decision record of a public repository" if public else "private repository"
    return False, "not tagged by the owner"


@dataclass(frozen=True, slots=True)
class ClassifiedItem:
    stored: StoredItem
    repository: Repository | None
    classification: Classification

    @property
    def item(self) -> Item:
        return self.stored.item


def classify_snapshot(snapshot: Snapshot, policy: Policy) -> tuple[ClassifiedItem, ...]:
    """Classify every stored item; the order is the snapshot's (stable)."""
    result = []
    for stored in snapshot.items:
        repository = snapshot.repository(stored.item.repo)
        result.append(ClassifiedItem(stored, repository, classify(stored.item, repository, policy)))
    return tuple(result)


def needs_changed_files(item: Item, policy: Policy) -> bool:
    """Whether a collector should fetch this change's file list (one request or more).

    Only items that will be shown individually — tagged by the owner or pinned —
    need their paths, since paths can decide their category. Untagged changes
    only count towards figures, where a category from title and labels is enough;
    fetching files for every change would cost a request per change per night.
    """
    if not isinstance(item, MergeRequest | Commit):
        return False
    override = policy.overrides.get(item.url.rstrip("/"))
    if override is not None:
        return override.pin and not override.categories
    tag = owner_tag(item, policy.tag_prefix)
    return tag.tagged and not tag.categories
