"""Cross-references in forge text become links: ``#151``, ``!53``, ``ADR 12``, commit SHAs.

A reference links to the item's page when that item is on the site, else to the
item on its forge (a pull request or issue, a merge request, a commit); an ADR
number or a short SHA that is not known stays text, since guessing would link
to the wrong thing. Only references within the item's own repository are
resolved: ``#151`` means the same thing to every reader of that repository.

Forge text is hostile. This module never builds HTML: it splits plain text into
text and ``Reference`` pieces, and the callers turn those into markdown-it
tokens or escaped markup. Hrefs are made here from numbers, hex digits and the
repository's checked URL only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from collector.classify import ClassifiedItem
from collector.model.records import (
    Commit,
    Decision,
    Incident,
    Item,
    MergeRequest,
    RepoRef,
    Repository,
)
from renderer.text import http_url

SHORT_SHA = 7
# "#151" but not "owner/repo#151", "&#151;" or "x#1"; "!53"; "ADR 12", "ADR-0012";
# 7 to 40 hex digits with at least one letter and one digit, as a whole word.
REFERENCE = re.compile(
    r"(?<![\w/&#!])(?P<kind>[#!])(?P<number>[1-9][0-9]{0,6})\b"
    r"|\b(?P<adr>ADR[ _-]?0*(?P<adr_number>[1-9][0-9]{0,4}))\b"
    r"|\b(?P<sha>(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Reference:
    text: str  # as written: "#151"
    href: str  # a site path ("items/x.html", relative to the site root) or an http(s) URL
    internal: bool  # href is a page of this site


@dataclass(frozen=True, slots=True)
class _Repo:
    forge: str
    url: str | None  # the repository's checked web URL


class ReferenceIndex:
    """What each reference of each repository points at. Built once per render."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[RepoRef, str, int], str] = {}  # (repo, "#"/"!", n) -> path
        self._shas: dict[RepoRef, dict[str, str | None]] = {}  # full sha -> path or None
        self._adrs: dict[tuple[RepoRef, int], str] = {}
        self._adr_anywhere: dict[int, set[str]] = {}
        self._repos: dict[RepoRef, _Repo] = {}

    def add_repository(self, ref: RepoRef, url: str) -> None:
        self._repos[ref] = _Repo(ref.forge, http_url(url))

    def add_item(self, item: Item, path: str | None) -> None:
        """``path``: its page, None when it is stored but not on the site."""
        ref = item.repo
        if isinstance(item, MergeRequest):
            if path:
                marker = "!" if ref.forge == "gitlab" else "#"
                self._numbers[(ref, marker, item.number)] = path
            if item.merge_commit_sha:
                self._sha(ref, item.merge_commit_sha, path)
        elif isinstance(item, Incident) and path:
            self._numbers[(ref, "#", item.number)] = path
        elif isinstance(item, Commit):
            self._sha(ref, item.sha, path)
        elif isinstance(item, Decision) and path:
            match = re.match(r"0*([1-9][0-9]{0,4})[-_]", item.path.rsplit("/", 1)[-1])
            if match:
                number = int(match.group(1))
                self._adrs[(ref, number)] = path
                self._adr_anywhere.setdefault(number, set()).add(path)

    def _sha(self, ref: RepoRef, sha: str, path: str | None) -> None:
        sha = sha.lower()
        if re.fullmatch(r"[0-9a-f]{40}", sha):
            known = self._shas.setdefault(ref, {})
            if path or sha not in known:
                known[sha] = path

    def linker(self, ref: RepoRef, *, exclude: str = "") -> Linker:
        """References as read in ``ref``; ``exclude``: the page itself (no link to itself)."""
        return Linker(self, ref, exclude)


class Linker:
    """Splits the text of one repository's item into text and references."""

    def __init__(self, index: ReferenceIndex, ref: RepoRef, exclude: str) -> None:
        self._index = index
        self._ref = ref
        self._exclude = exclude
        self._repo = index._repos.get(ref)

    def split(self, text: str) -> Iterator[str | Reference]:
        position = 0
        for match in REFERENCE.finditer(text):
            reference = self._resolve(match)
            if reference is None or reference.href == self._exclude:
                continue
            if match.start() > position:
                yield text[position : match.start()]
            yield reference
            position = match.end()
        if position < len(text):
            yield text[position:]

    def _resolve(self, match: re.Match[str]) -> Reference | None:
        written = match.group(0)
        if match.group("kind"):
            return self._number(written, match.group("kind"), int(match.group("number")))
        if match.group("adr"):
            return self._adr(written, int(match.group("adr_number")))
        return self._commit(written, match.group("sha").lower())

    def _number(self, written: str, marker: str, number: int) -> Reference | None:
        path = self._index._numbers.get((self._ref, marker, number))
        if path:
            return Reference(written, path, internal=True)
        if self._repo is None or self._repo.url is None:
            return None
        base = self._repo.url.rstrip("/")
        if self._repo.forge == "github":
            # GitHub redirects /issues/N to /pull/N when N is a pull request.
            return Reference(written, f"{base}/issues/{number}", False) if marker == "#" else None
        kind = "merge_requests" if marker == "!" else "issues"
        return Reference(written, f"{base}/-/{kind}/{number}", internal=False)

    def _adr(self, written: str, number: int) -> Reference | None:
        path = self._index._adrs.get((self._ref, number))
        if path is None:
            anywhere = self._index._adr_anywhere.get(number, set())
            path = next(iter(anywhere)) if len(anywhere) == 1 else None
        return Reference(written, path, internal=True) if path else None

    def _commit(self, written: str, sha: str) -> Reference | None:
        known = self._index._shas.get(self._ref, {})
        full = sha if len(sha) == 40 else _unique_prefix(known, sha)
        if full is None:
            return None
        path = known.get(full)
        if path:
            return Reference(written, path, internal=True)
        if self._repo is None or self._repo.url is None:
            return None
        base = self._repo.url.rstrip("/")
        middle = "/-/commit/" if self._repo.forge == "gitlab" else "/commit/"
        return Reference(written, f"{base}{middle}{full}", internal=False)


def _unique_prefix(known: Iterable[str], prefix: str) -> str | None:
    if len(prefix) < SHORT_SHA:
        return None
    found = [sha for sha in known if sha.startswith(prefix)]
    return found[0] if len(found) == 1 else None


def build_reference_index(
    classified: Iterable[ClassifiedItem],
    repositories: Iterable[Repository],
    *,
    shown: Callable[[Repository | None], bool],
    page_of: Callable[[ClassifiedItem], str],
) -> ReferenceIndex:
    """What ``#151``, ``!53``, ``ADR 12`` and SHAs point at in the repositories a page may
    name (``shown``): an item's page (``page_of``) when it is on the site, else the forge.
    Hidden items and those of repositories not shown are never indexed."""
    index = ReferenceIndex()
    for repository in repositories:
        if shown(repository):
            index.add_repository(repository.ref, repository.url)
    for c in classified:
        if c.classification.hidden or not shown(c.repository):
            continue
        index.add_item(c.item, page_of(c) if c.classification.surfaced else None)
    return index
