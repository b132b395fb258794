"""The one interface every forge implements, and the request accounting they share.

A forge module (``collector/github.py``, ``collector/gitlab.py``) maps its API
into ``collector.records``; nothing forge-specific leaves it. The sync loop in
``collector/sync.py`` drives any ``ForgeSource`` the same way, page by page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from collector.records import Item, Kind, Repository


@dataclass(slots=True)
class RequestStats:
    """What a source cost, read from the forge's own response headers."""

    requests: int = 0
    rate_limit: int | None = None
    rate_remaining: int | None = None
    rate_reset: datetime | None = None


class RepositoryUnavailable(Exception):
    """One repository could not be read (gone, blocked, empty); the rest of the source goes on."""

    def __init__(self, repository: str, reason: str) -> None:
        self.repository = repository
        self.reason = reason
        super().__init__(f"{repository}: {reason}")


class ForgeSource(Protocol):
    """A configured forge account set, ready to read.

    Errors: authentication or connection failures that make the whole source
    unusable raise ``evidence.errors.SourceError``; a single repository that
    cannot be read raises ``RepositoryUnavailable`` from ``items``.
    """

    name: str
    kinds: Sequence[Kind]

    def repositories(self) -> Iterator[Repository]:
        """Repositories in scope, already filtered by the source's private/fork/archived policy."""
        ...

    def items(self, repository: Repository, kind: Kind) -> Iterator[Sequence[Item]]:
        """Items of one kind in one repository, one API page at a time."""
        ...

    @property
    def stats(self) -> RequestStats: ...

    def close(self) -> None: ...
