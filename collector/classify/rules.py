"""Compiled classification rules: the owner's, then the built-in set, matched in order.

A rule matches an item when every condition it sets holds; each matching rule
adds its categories with itself as the reason, and a ``final`` rule stops the
evaluation. Pure: no I/O beyond reading the bundled default rule set once.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pathspec
from pydantic import TypeAdapter

from collector.model.categories import Category
from collector.model.records import (
    Commit,
    Decision,
    Deployment,
    Incident,
    Item,
    Kind,
    MergeRequest,
    Pipeline,
    Release,
)
from config.rules import RuleConfig

CONVENTIONAL = re.compile(r"^(?P<type>[a-z]+)(?:\((?P<scope>[^)]*)\))?!?:\s", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What rules can look at, the same for every forge and kind."""

    kind: Kind
    title: str
    body: str
    labels: frozenset[str]  # lowercased
    paths: tuple[str, ...]  # changed files, or the ADR's own path
    workflows: tuple[str, ...]  # workflow name and file, job names
    environments: tuple[str, ...]
    conventional_type: str | None


def facts_of(item: Item) -> ItemFacts:
    body = ""
    labels: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    workflows: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    if isinstance(item, MergeRequest | Incident):
        body, labels = item.body, item.labels
    if isinstance(item, MergeRequest | Commit):
        paths = tuple(str(p) for p in item.extra.get("changed_files", ()))
    if isinstance(item, Commit):
        body = item.message.partition("\n")[2]
    elif isinstance(item, Release):
        body = item.body
    elif isinstance(item, Decision):
        body = "\n\n".join((item.context, item.decision, item.consequences))
        paths = (item.path,)
    elif isinstance(item, Pipeline):
        workflows = tuple(w for w in (item.name, item.workflow_path, *item.jobs) if w)
        environments = item.environments
    elif isinstance(item, Deployment):
        environments = (item.environment,)
    match = CONVENTIONAL.match(item.title)
    return ItemFacts(
        kind=item.kind,
        title=item.title,
        body=body,
        labels=frozenset(label.strip().lower() for label in labels),
        paths=paths,
        workflows=workflows,
        environments=environments,
        conventional_type=match["type"].lower() if match else None,
    )


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    origin: str  # "config" (the owner's rules[i]) or "default"
    kinds: frozenset[Kind]
    labels: frozenset[str]
    paths: pathspec.GitIgnoreSpec | None
    title: re.Pattern[str] | None
    body: re.Pattern[str] | None
    conventional_types: frozenset[str]
    workflows: tuple[str, ...]
    environments: tuple[str, ...]
    categories: tuple[Category, ...]
    final: bool

    @classmethod
    def compile(cls, config: RuleConfig, origin: str) -> Rule:
        return cls(
            name=config.name,
            origin=origin,
            kinds=frozenset(Kind(k) for k in config.kinds),
            labels=frozenset(label.lower() for label in config.labels),
            paths=pathspec.GitIgnoreSpec.from_lines(config.paths) if config.paths else None,
            title=re.compile(config.title, re.IGNORECASE) if config.title else None,
            body=re.compile(config.body, re.IGNORECASE) if config.body else None,
            conventional_types=frozenset(t.lower() for t in config.conventional_types),
            workflows=tuple(w.lower() for w in config.workflows),
            environments=tuple(e.lower() for e in config.environments),
            categories=tuple(Category(c) for c in config.categories),
            final=config.final,
        )

    def match(self, facts: ItemFacts) -> str | None:
        """What matched, for people, or None when some condition fails."""
        found: list[str] = []
        if self.kinds and facts.kind not in self.kinds:
            return None
        if self.labels:
            hits = sorted(self.labels & facts.labels)
            if not hits:
                return None
            found.append(f"label '{hits[0]}'")
        if self.paths is not None:
            path = next((p for p in facts.paths if self.paths.match_file(p)), None)
            if path is None:
                return None
            found.append(f"changes {path}")
        for pattern, text, what in (
            (self.title, facts.title, "title"),
            (self.body, facts.body, "description"),
        ):
            if pattern is not None:
                hit = pattern.search(text)
                if hit is None:
                    return None
                found.append(f"{what} mentions '{hit[0].strip()[:60]}'")
        if self.conventional_types:
            if facts.conventional_type not in self.conventional_types:
                return None
            found.append(f"conventional type '{facts.conventional_type}:'")
        for globs, values, what in (
            (self.workflows, facts.workflows, "workflow"),
            (self.environments, facts.environments, "environment"),
        ):
            if globs:
                value = _first_glob_match(globs, values)
                if value is None:
                    return None
                found.append(f"{what} '{value}'")
        if not found:  # a kinds-only rule
            found.append(f"kind {facts.kind.value}")
        return ", ".join(found)


def _first_glob_match(globs: Sequence[str], values: Iterable[str]) -> str | None:
    for value in values:
        if any(fnmatch.fnmatchcase(value.lower(), glob) for glob in globs):
            return value
    return None


@cache
def default_rule_configs() -> tuple[RuleConfig, ...]:
    """The built-in rule set, documented in the manual (docs/rules.md, generated)."""
    text = (
        resources.files("collector.classify")
        .joinpath("default_rules.toml")
        .read_text(encoding="utf-8")
    )
    data: dict[str, Any] = tomllib.loads(text)
    return tuple(TypeAdapter(list[RuleConfig]).validate_python(data["rules"]))


def compile_rules(owner_rules: Sequence[RuleConfig], *, with_defaults: bool) -> tuple[Rule, ...]:
    rules = [Rule.compile(rule, "config") for rule in owner_rules]
    if with_defaults:
        rules.extend(Rule.compile(rule, "default") for rule in default_rule_configs())
    return tuple(rules)
