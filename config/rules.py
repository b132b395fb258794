"""The owner's classification rules and per-item overrides, as written in ``evidence.toml``.

Rules are validated here — an invalid regular expression or glob is a config
error pointing at the rule's position (``rules[2].title``) — and compiled by
``collector.classify.rules``. The product's default rule set lives in
``collector/classify/default_rules.toml`` and is written in this same shape.
"""

from __future__ import annotations

import re
from typing import Literal

import pathspec
from pydantic import Field, StrictBool, field_validator, model_validator

from config.base import Model

CategoryName = Literal["architecture", "merge-request", "deployment", "monitoring"]
KindName = Literal[
    "merge_request", "commit", "release", "tag", "deployment", "pipeline", "incident", "decision"
]


class RuleConfig(Model):
    """One rule: when every condition it sets matches an item, the item gets its categories."""

    name: str = Field(description="Short name shown in 'why this is here' and `evidence explain`.")
    kinds: tuple[KindName, ...] = Field(
        (), description="Item kinds the rule applies to (empty: every kind)."
    )
    labels: tuple[str, ...] = Field((), description="Matches if the item has any of these labels.")
    paths: tuple[str, ...] = Field(
        (),
        description="Gitignore-style globs; matches if any changed file (or the ADR's own path) "
        "matches.",
    )
    title: str | None = Field(None, description="Regular expression searched in the title.")
    body: str | None = Field(None, description="Regular expression searched in the description.")
    conventional_types: tuple[str, ...] = Field(
        (), description="Conventional-commit types of the title, e.g. ['ci', 'build']."
    )
    workflows: tuple[str, ...] = Field(
        (), description="Globs on workflow name, workflow file or job names (pipelines)."
    )
    environments: tuple[str, ...] = Field(
        (), description="Globs on the environment (deployments and pipelines)."
    )
    categories: tuple[CategoryName, ...] = Field(
        description="Categories the rule assigns.", min_length=1
    )
    final: StrictBool = Field(
        False, description="Stop evaluating later rules when this one matches."
    )

    @field_validator("title", "body")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value

    @field_validator("paths", "workflows", "environments")
    @classmethod
    def _valid_globs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for glob in value:
            if not glob.strip():
                raise ValueError("empty glob")
            try:
                pathspec.GitIgnoreSpec.from_lines([glob])
            except (ValueError, TypeError) as exc:
                raise ValueError(f"invalid glob {glob!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _has_condition(self) -> RuleConfig:
        conditions = (
            self.kinds,
            self.labels,
            self.paths,
            self.title,
            self.body,
            self.conventional_types,
            self.workflows,
            self.environments,
        )
        if not any(conditions):
            raise ValueError(
                "a rule needs at least one condition (kinds, labels, paths, title, body, "
                "conventional_types, workflows or environments)"
            )
        return self


class OverrideConfig(Model):
    """Steer one item by its URL: pin it, hide it, or give it categories."""

    url: str = Field(description="The item's web URL (pull request, commit, release, ...).")
    hide: StrictBool = Field(False, description="Never show this item.")
    pin: StrictBool = Field(False, description="Always show this item, even untagged.")
    categories: tuple[CategoryName, ...] = Field(
        (), description="Replace the item's categories with these."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://\S+$", value):
            raise ValueError("expected the item's http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _does_something(self) -> OverrideConfig:
        if self.hide and (self.pin or self.categories):
            raise ValueError("hide cannot be combined with pin or categories")
        if not (self.hide or self.pin or self.categories):
            raise ValueError("set hide, pin or categories")
        return self


class ClassifyConfig(Model):
    """How items are sorted into the four categories."""

    default_rules: StrictBool = Field(
        True,
        description=(
            "Apply the built-in rule set after your own rules (listed on the manual's Rules page)."
        ),
    )
    production_environments: tuple[str, ...] = Field(
        ("production", "prod", "prod-*", "production-*", "live"),
        description="Globs naming production environments; deployments elsewhere are not "
        "surfaced by default.",
    )
    incident_labels: tuple[str, ...] = Field(
        ("incident",), description="GitHub issue labels that mark an incident."
    )
    adr_paths: tuple[str, ...] = Field(
        ("docs/adr/", "docs/decisions/", "doc/adr/", "doc/architecture/decisions/", "adr/"),
        description="Folders holding architecture decision records.",
    )
    deploy_workflows: tuple[str, ...] = Field(
        ("*deploy*", "*release*", "*publish*", "*rollout*"),
        description="Globs on workflow or job names that mark a CI run as a deployment.",
    )
