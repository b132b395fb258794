"""Titles that say something: what was deployed where, which release of what.

A forge titles every deployment of a branch "Deploy main to production", so a
list of them reads like one row repeated. The pages title a deployment by its
repository, the version it shipped and the environment
("payments-api v3.3.0 → production"), and a release by its repository, tag and
name ("ocm-brain v1.8.0 — validated model output"). The version is the deployed
ref when that is a tag or looks like a version, else the tag that points at the
deployed commit, else the ref and the short commit ("main@301ab30"), which is
distinct for every deployment of a different commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from collector.model.records import Deployment, Item, Release, RepoRef, Tag
from renderer.text import clean_line

SHORT_SHA = 7
VERSION = re.compile(r"^v?\d+(\.\d+)*([-+][0-9A-Za-z.+-]+)?$")
# A release name that starts with its own version: "1.8.0 — validated model output".
_SEPARATORS = " \t—–-:·|"


class Titles:
    """Titles for the items whose forge title says too little. Built once per render."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._tag_at: dict[tuple[RepoRef, str], str] = {}
        self._tags: set[tuple[RepoRef, str]] = set()
        for item in sorted(items, key=lambda i: (i.event_at, i.key)):
            if isinstance(item, Tag):
                self._tags.add((item.repo, item.name))
                if item.sha:
                    self._tag_at.setdefault((item.repo, item.sha.lower()), item.name)
            elif isinstance(item, Release):
                self._tags.add((item.repo, item.tag))

    def title_of(self, item: Item) -> str | None:
        """The page title of ``item``, or None to keep the forge's own title."""
        if isinstance(item, Deployment):
            return self._deployment(item)
        if isinstance(item, Release):
            return release_title(item)
        return None

    def version_of(self, deployment: Deployment) -> str:
        ref, sha = deployment.ref.strip(), deployment.sha.strip().lower()
        if ref and ((deployment.repo, ref) in self._tags or VERSION.match(ref)):
            return ref
        tag = self._tag_at.get((deployment.repo, sha)) if sha else None
        if tag:
            return tag
        if ref and sha:
            return f"{ref}@{sha[:SHORT_SHA]}"
        return ref or sha[:SHORT_SHA] or f"deployment {deployment.id}"

    def _deployment(self, deployment: Deployment) -> str:
        version = clean_line(self.version_of(deployment), 80)
        environment = clean_line(deployment.environment, 80) or "an environment"
        return f"{clean_line(deployment.repo.name, 100)} {version} → {environment}"


def _name_after_version(name: str, tag: str) -> str:
    """The part of a release name that is not its version: "validated model output"."""
    version = tag.removeprefix("v")
    core = version.split("-", 1)[0]
    for prefix in (tag, version, core):
        rest = name[len(prefix) :]
        if prefix and name.startswith(prefix) and (not rest or rest[0] in _SEPARATORS):
            return rest.lstrip(_SEPARATORS)
    return name


def release_title(release: Release) -> str:
    repo = clean_line(release.repo.name, 100)
    tag = clean_line(release.tag, 80)
    name = _name_after_version(clean_line(release.name or release.title, 200), tag)
    return f"{repo} {tag} — {name}" if name else f"{repo} {tag}"
