"""Merge requests and incidents deleted on GitLab, found by a weekly id-set check.

An incremental read never sees an item go: GitLab's ``updated_after`` lists
simply stop returning a deleted merge request or incident (or one made
confidential). So each project's two lists are checked once every ``nights``
nights (``[collect] deletion_check_nights``, 7 by default), a share of the
projects each night (by project id):

1. one request asks the list with the sync's own filters for its total
   (``per_page=1``, the ``X-Total`` header);
2. only when that total differs from the number of stored, current items are
   the list's ids read in full (100 a request), every present item confirmed
   and every stored item not among them flagged gone.

Guarantee: a deleted merge request or incident is flagged gone within
``nights`` nightly runs, at one request per list and project per ``nights``
while nothing was deleted.
GitLab gives no total for lists over 10,000 entries; those are read in full on
their night.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from collector.forges.base.limits import header_int
from collector.model.incremental import Cursor, SyncPage, SyncState

Json = Mapping[str, Any]
# get(path, params) -> (headers, data): one request.
Get = Callable[[str, dict[str, str]], tuple[Mapping[str, str], Any]]
# pages(path, params): every page of a list.
Pages = Callable[[str, dict[str, str]], Iterable[list[Json]]]


def due(project_id: int, day: date, nights: int) -> bool:
    """Whether ``day`` is the night this project's id sets are checked (never when 0)."""
    return nights > 0 and project_id % nights == day.toordinal() % nights


@dataclass(frozen=True, slots=True)
class IdSetCheck:
    """One list of one project to check: where it is and how its entries are keyed."""

    endpoint: str  # e.g. /projects/42/merge_requests
    params: dict[str, str]  # the sync's own filters, so the two count the same items
    stored: frozenset[str]  # keys of the stored items of this list not flagged gone

    def pages(self, get: Get, pages: Pages, state: SyncState, cursor: Cursor) -> Iterator[SyncPage]:
        """Nothing while the totals agree; else the page that confirms and flags."""
        headers, _ = get(self.endpoint, {**self.params, "per_page": "1"})
        total = header_int(headers.get("x-total"))
        if total is not None and total == len(self.stored):
            return
        present: set[str] = set()
        for page in pages(self.endpoint, self.params):  # as many per page as GitLab allows
            present.update(str(entry["iid"]) for entry in page if "iid" in entry)
        # Items written tonight were seen after state.now; the rest must be present.
        yield SyncPage(
            items=(),
            cursor=cursor,
            touched=tuple(sorted(present & self.stored)),
            absent_before=state.now,
        )
