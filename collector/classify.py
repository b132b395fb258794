"""Classification v1: which stored items are evidence, of which category, and why.

Pure functions over stored records. They run on every render, so changing a
rule needs no refetch. Every category an item gets comes with the reason that
gave it, so pages can say why an item is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from collector.categories import Category
from collector.records import Commit, Item, MergeRequest, Release, Repository
from collector.snapshot import Snapshot, StoredItem


@dataclass(frozen=True, slots=True)
class Reason:
    category: Category
    rule: str  # stable id of the rule, e.g. "owner-label", "title-keyword"
    detail: str  # what matched, for people: "label 'evidence:deployment'"


@dataclass(frozen=True, slots=True)
class Classification:
    surfaced: bool
    categories: tuple[Category, ...]
    reasons: tuple[Reason, ...]

    def reasons_for(self, category: Category) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.category is category)


@dataclass(frozen=True, slots=True)
class Policy:
    """The owner's choices that steer classification (from ``[tags]`` and ``[surface]``)."""

    tag_prefix: str = "evidence"
    surface_releases: bool = True


# Default rules for items that carry no explicit category. Order is the order
# categories are listed in; an item may match several.
LABEL_RULES: dict[Category, frozenset[str]] = {
    Category.ARCHITECTURE: frozenset({"architecture", "adr", "design", "rfc"}),
    Category.DEPLOYMENT: frozenset(
        {"deployment", "deploy", "release", "infrastructure", "infra", "ci", "ci/cd", "devops"}
    ),
    Category.MONITORING: frozenset(
        {"incident", "hotfix", "monitoring", "observability", "alerting", "postmortem", "revert"}
    ),
}
TITLE_RULES: dict[Category, re.Pattern[str]] = {
    Category.ARCHITECTURE: re.compile(
        r"\b(adr|architecture|architectural|design doc|rfc)\b", re.IGNORECASE
    ),
    Category.DEPLOYMENT: re.compile(
        r"\b(deploy\w*|release|rollout|roll out|helm|kubernetes|k8s|terraform|dockerfile"
        r"|docker|ci/cd|pipeline)\b",
        re.IGNORECASE,
    ),
    Category.MONITORING: re.compile(
        r"\b(incident|hotfix|revert|rollback|roll back|alert\w*|monitoring|observability"
        r"|dashboards?|tracing|logging|post-?mortem|slo)\b",
        re.IGNORECASE,
    ),
}
CONVENTIONAL = re.compile(r"^(?P<type>[a-z]+)(?:\((?P<scope>[^)]*)\))?!?:\s", re.IGNORECASE)
CONVENTIONAL_TYPES: dict[str, Category] = {
    "ci": Category.DEPLOYMENT,
    "build": Category.DEPLOYMENT,
    "deploy": Category.DEPLOYMENT,
    "release": Category.DEPLOYMENT,
    "revert": Category.MONITORING,
    "hotfix": Category.MONITORING,
}
CONVENTIONAL_SCOPES: dict[str, Category] = {
    "adr": Category.ARCHITECTURE,
    "architecture": Category.ARCHITECTURE,
    "design": Category.ARCHITECTURE,
    "deploy": Category.DEPLOYMENT,
    "infra": Category.DEPLOYMENT,
    "monitoring": Category.MONITORING,
    "observability": Category.MONITORING,
    "alerts": Category.MONITORING,
}
TRAILER = re.compile(r"^Evidence:[ \t]*(?P<value>\S.*?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class OwnerTag:
    """What the owner's labels (or commit trailer) ask for."""

    tagged: bool
    categories: tuple[Category, ...]
    reasons: tuple[Reason, ...]
    unknown: tuple[str, ...] = ()  # evidence:<slug> labels whose slug is not a category


def read_owner_labels(labels: Iterable[str], prefix: str) -> OwnerTag:
    """Parse ``prefix``, ``prefix:<slug>`` and GitLab's scoped ``prefix::<slug>`` labels."""
    tagged = False
    categories: list[Category] = []
    reasons: list[Reason] = []
    unknown: list[str] = []
    lowered = prefix.lower()
    for label in labels:
        name = label.strip()
        head, sep, slug = name.partition(":")
        if head.lower() != lowered:
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
    """``Evidence: <slug>`` (or a bare ``Evidence: yes``) as a git trailer in the last paragraph."""
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


def default_rules(title: str, labels: Iterable[str]) -> tuple[Reason, ...]:
    """Categories implied by labels, title keywords and a conventional-commit prefix."""
    reasons: list[Reason] = []
    label_set = {label.strip().lower(): label for label in labels}
    for category, names in LABEL_RULES.items():
        for name in sorted(names & label_set.keys()):
            reasons.append(Reason(category, "label", f"label '{label_set[name]}'"))
    if match := CONVENTIONAL.match(title):
        kind, scope = match["type"].lower(), (match["scope"] or "").lower()
        if kind in CONVENTIONAL_TYPES:
            reasons.append(
                Reason(CONVENTIONAL_TYPES[kind], "conventional-commit", f"type '{kind}:'")
            )
        if scope in CONVENTIONAL_SCOPES:
            reasons.append(
                Reason(CONVENTIONAL_SCOPES[scope], "conventional-commit", f"scope '({scope})'")
            )
    for category, pattern in TITLE_RULES.items():
        if word := pattern.search(title):
            reasons.append(Reason(category, "title-keyword", f"title mentions '{word[0]}'"))
    return tuple(reasons)


def _categories_of(reasons: Iterable[Reason]) -> tuple[Category, ...]:
    found = {r.category for r in reasons}
    return tuple(c for c in Category if c in found)


def classify(item: Item, repository: Repository | None, policy: Policy) -> Classification:
    """Classify one stored item. ``repository`` is None when its repository is unknown."""
    public = repository is not None and repository.is_public
    if isinstance(item, Release):
        reason = Reason(Category.DEPLOYMENT, "release", f"release {item.tag}")
        surfaced = policy.surface_releases and public and not item.draft
        return Classification(surfaced, (Category.DEPLOYMENT,), (reason,))
    if isinstance(item, MergeRequest):
        owner = read_owner_labels(item.labels, policy.tag_prefix)
        labels: tuple[str, ...] = item.labels
    elif isinstance(item, Commit):
        owner = read_commit_trailer(item.message)
        labels = ()
    else:
        reason = Reason(Category.DEPLOYMENT, "tag", f"tag {item.title}")
        return Classification(False, (Category.DEPLOYMENT,), (reason,))

    if owner.categories:  # an explicit slug wins over every default rule
        return Classification(owner.tagged, owner.categories, owner.reasons)
    reasons = default_rules(item.title, labels)
    if not reasons:
        reasons = (
            Reason(Category.MERGE_REQUEST, "default", "no rule matched a more specific stage"),
        )
    return Classification(owner.tagged, _categories_of(reasons), reasons)


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
