"""The one interface every forge implements, and the request accounting they share.

A forge package (``collector/forges/github/``, ``collector/forges/gitlab/``) maps its API
into ``collector.model.records``; nothing forge-specific leaves it. The sync loop in
``collector/sync/loop.py`` drives any ``ForgeSource`` the same way, page by page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from collector.model.incremental import SyncPage, SyncState
from collector.model.records import Kind, RepoRef, Repository
from core.errors import SourceError


@dataclass(slots=True)
class RequestStats:
    """What a source cost, read from the forge's own response headers."""

    requests: int = 0  # HTTP requests sent, retries included
    rate_limit: int | None = None
    rate_remaining: int | None = None
    rate_reset: datetime | None = None
    not_modified: int = 0  # answered 304: the stored copy is current
    rate_cost: int = 0  # answers that count against the rate limit (GitHub: not a 304)
    retries: int = 0  # requests repeated after a transient fault or a rate limit
    waited: float = 0.0  # seconds slept for rate limits and backoff
    skipped: int = 0  # entries that could not be mapped (each named in a warning)


class RepositoryUnavailable(Exception):
    """One repository could not be read (gone, blocked, failing); the rest of the source goes on.

    ``gone``: the forge says the repository does not exist for us any more
    (deleted, renamed, access lost, taken down); its stored items are kept but
    no longer shown. Otherwise the failure may pass and the items stay as they are.
    """

    def __init__(self, repository: str, reason: str, *, gone: bool = False) -> None:
        self.repository = repository
        self.reason = reason
        self.gone = gone
        super().__init__(f"{repository}: {reason}")


class ListUnavailable(Exception):
    """One list of one repository could not be read; the repository's other lists go on.

    Only the repository resource itself (``GET /repos/{owner}/{repo}``,
    ``GET /projects/:id``) may say a repository is gone: a sub-list that answers
    404 while the repository answers 200 is a failed list (a proxy, an older
    forge without the endpoint), never a reason to hide the repository's items.
    ``refused``: the forge refuses this list to the token (403, e.g. merge
    requests open to members only) while the repository itself is readable: a
    steady state the owner can only change on the forge, so a warning, not a failure.
    """

    def __init__(
        self, repository: str, listing: str, reason: str, *, refused: bool = False
    ) -> None:
        self.repository = repository
        self.listing = listing
        self.reason = reason
        self.refused = refused
        super().__init__(f"{repository}: list {listing}: {reason}")


class RateLimitStop(SourceError):
    """The rate-limit budget is spent and the reset is further away than we may wait.

    Not a failure: everything committed so far is kept, the cursors say where
    collection stopped, and the next run resumes there.
    """

    def __init__(self, source: str, message: str, *, resets_at: datetime | None) -> None:
        self.detail = message
        self.resets_at = resets_at
        super().__init__(source, message)


class ForgeSource(Protocol):
    """A configured forge account set, ready to read only what changed.

    A full read is this same read from an empty state: no stored repositories, a
    blank cursor per list. ``repositories_since`` lists the repositories in scope,
    already filtered by the source's private/fork/archived policy, and may reuse
    what ``known`` (this source's stored repositories) says instead of asking
    again. ``listing_complete`` is true once the last listing read every scope;
    only then may repositories missing from it be flagged gone. ``sync_items``
    yields the pages to commit for one (repository, kind), each with the cursor
    after it (``collector.model.incremental``; the pass algorithms are in
    ``collector.forges.base.passes``).

    Errors: authentication or connection failures that make the whole source
    unusable raise ``core.errors.SourceError``; a repository that cannot be read
    raises ``RepositoryUnavailable``, one list of it ``ListUnavailable``; a spent
    rate limit ``RateLimitStop``.
    """

    name: str
    kinds: Sequence[Kind]
    warnings: list[str]  # problems worth telling the owner that failed nothing

    def repositories_since(self, known: Mapping[RepoRef, Repository]) -> Iterator[Repository]: ...

    @property
    def listing_complete(self) -> bool: ...

    def sync_items(
        self, repository: Repository, kind: Kind, state: SyncState
    ) -> Iterator[SyncPage]: ...

    @property
    def stats(self) -> RequestStats: ...

    def close(self) -> None: ...
