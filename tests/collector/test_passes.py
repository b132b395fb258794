"""The pass algorithms on scripted pages: every edge of resuming, stopping and 304s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from collector.forges.base.passes import (
    Fetched,
    newest_first_pass,
    unchanged_since,
    whole_list_pass,
)
from collector.model.incremental import (
    Cursor,
    PageMemo,
    PassState,
    Position,
    SyncPage,
    SyncState,
    Validators,
)
from collector.model.records import Item, MergeRequest, RepoRef

REPO = RepoRef(forge="github", host="github.com", path="dana-dev/ledger")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 1, tzinfo=UTC)


def pull(number: int, hours: int) -> MergeRequest:
    """Pull request ``number`` last updated ``hours`` after T0."""
    return MergeRequest(
        repo=REPO,
        url=f"https://github.com/{REPO.path}/pull/{number}",
        title=f"#{number}",
        created_at=T0,
        updated_at=T0 + timedelta(hours=hours),
        number=number,
        state="open",
    )


@dataclass(frozen=True)
class Page:
    """A scripted page: its items (None: 304 when asked conditionally, else empty)."""

    items: tuple[Item, ...] | None
    next_url: str | None = None
    unchanged: bool = False  # answer 304 when asked conditionally, ``items`` otherwise


class Script:
    """A fetch function answering from a table of pages by URL, recording what it was asked."""

    def __init__(self, pages: Mapping[str, Page]) -> None:
        self.pages = dict(pages)
        self.asked: list[tuple[str, bool]] = []  # (url, conditional)

    def __call__(self, url: str, validators: Validators | None) -> Fetched:
        self.asked.append((url, validators is not None))
        page = self.pages[url]
        if (page.items is None or page.unchanged) and validators is not None:
            return Fetched(url, None, None, None)
        return Fetched(url, page.items or (), page.next_url, Validators(etag=f'"{url}"'))


def ordering(item: Item) -> datetime | None:
    return item.updated_at


def state(cursor: Cursor | None = None, memos: Mapping[str, PageMemo] | None = None) -> SyncState:
    return SyncState(cursor=cursor or Cursor(), memos=memos or {}, now=NOW)


def newest_first(script: Script, current: SyncState, stop: bool = True) -> list[SyncPage]:
    return list(newest_first_pass(script, "p1", current, ordering=ordering, stop_at_watermark=stop))


# -- newest first ------------------------------------------------------------------------------


def test_a_first_pass_reads_every_page_and_sets_the_watermark_at_the_end() -> None:
    script = Script(
        {
            "p1": Page((pull(5, 50), pull(4, 40)), "p2"),
            "p2": Page((pull(3, 30), pull(2, 20)), "p3"),
            "p3": Page((pull(1, 10),)),
        }
    )

    pages = newest_first(script, state())

    assert [len(page.items) for page in pages] == [2, 2, 1]
    middle = pages[1].cursor.current
    assert middle is not None and middle.resume_url == "p2"
    assert middle.last == Position(T0 + timedelta(hours=20), "2")
    assert pages[-1].cursor == Cursor(watermark=T0 + timedelta(hours=50), completed_at=NOW)
    # Page 1's memo is saved with the page that completes the pass, not before.
    assert [memo.url for page in pages for memo in page.memos] == ["p1"]
    assert pages[-1].memos[0].validators == Validators(etag='"p1"')


def test_the_pass_stops_at_the_watermark_keeping_equal_times() -> None:
    script = Script(
        {"p1": Page((pull(9, 90), pull(8, 80), pull(7, 70), pull(6, 60)), "p2"), "p2": Page(())}
    )
    cursor = Cursor(watermark=T0 + timedelta(hours=80), completed_at=T0)

    (page,) = newest_first(script, state(cursor))

    assert [item.key for item in page.items] == ["9", "8"]  # 8 has the watermark's own time
    assert script.asked == [("p1", False)]  # no memo yet: asked unconditionally, p2 never


def test_page_one_unchanged_ends_the_pass_without_another_request() -> None:
    script = Script({"p1": Page(None, "p2")})
    cursor = Cursor(watermark=T0, completed_at=T0)
    memo = PageMemo("p1", Validators(etag='"p1"'), "p2")

    (page,) = newest_first(script, state(cursor, {"p1": memo}))

    assert page.not_modified and page.items == () and page.cursor == cursor
    assert script.asked == [("p1", True)]


def test_a_stopped_pass_resumes_on_its_last_page() -> None:
    script = Script({"p2": Page((pull(3, 30), pull(2, 20)), "p3"), "p3": Page((pull(1, 10),))})
    running = PassState(
        started_at=T0, high=T0 + timedelta(hours=50), resume_url="p2", last=Position(None, "2")
    )

    pages = newest_first(script, state(Cursor(current=running)))

    assert [url for url, _ in script.asked] == ["p2", "p3"]
    assert pages[-1].cursor.watermark == T0 + timedelta(hours=50)  # the pass's, not a new one


@pytest.mark.parametrize(
    ("first_hours", "restarts"),
    [(25, False), (20, True), (15, True)],
    ids=["newer-than-last", "same-time-other-key", "older-than-last"],
)
def test_a_resumed_page_that_may_have_skipped_items_starts_the_pass_over(
    first_hours: int, restarts: bool
) -> None:
    script = Script(
        {
            "p2": Page((pull(30, first_hours), pull(29, 5))),
            "p1": Page((pull(40, 60), pull(30, first_hours), pull(29, 5))),
        }
    )
    last = Position(T0 + timedelta(hours=20), "2")  # "2" is no longer on the page
    running = PassState(started_at=T0, resume_url="p2", last=last)

    newest_first(script, state(Cursor(current=running)))

    assert [url for url, _ in script.asked] == (["p2", "p1"] if restarts else ["p2"])


def test_unchanged_since_needs_a_complete_pass_from_the_same_marker() -> None:
    assert unchanged_since(Cursor(marker="m", completed_at=T0), "m")
    assert not unchanged_since(Cursor(marker="m", completed_at=T0), "n")
    assert not unchanged_since(Cursor(marker="m"), "m")  # never completed
    running = PassState(started_at=T0)
    assert not unchanged_since(Cursor(marker="m", completed_at=T0, current=running), "m")
    assert not unchanged_since(Cursor(completed_at=T0), None)


# -- whole lists -------------------------------------------------------------------------------


def memo(url: str, next_url: str | None, *keys: str) -> PageMemo:
    return PageMemo(url, Validators(etag=f'"{url}"'), next_url, keys)


def whole(script: Script, current: SyncState, page_size: int = 2) -> list[SyncPage]:
    return list(whole_list_pass(script, "p1", current, page_size=page_size))


def test_a_whole_list_unchanged_everywhere_writes_nothing() -> None:
    script = Script({"p1": Page(None), "p2": Page(None)})
    cursor = Cursor(completed_at=T0)
    memos = {"p1": memo("p1", "p2", "a", "b"), "p2": memo("p2", None, "c")}

    (page,) = whole(script, state(cursor, memos))

    assert page == SyncPage((), cursor, not_modified=True)
    assert script.asked == [("p1", True), ("p2", True)]


def test_a_change_on_one_page_confirms_the_others_and_finds_what_is_gone() -> None:
    script = Script({"p1": Page(None), "p2": Page((pull(3, 3),))})
    memos = {"p1": memo("p1", "p2", "a", "b"), "p2": memo("p2", None, "c")}

    (page,) = whole(script, state(Cursor(completed_at=T0), memos))

    assert [item.key for item in page.items] == ["3"]
    assert page.touched == ("a", "b")  # confirmed by the 304, handed over with the last page
    assert page.absent_before == NOW  # stored items not seen since the pass began are gone
    assert page.memos == (PageMemo("p2", Validators(etag='"p2"'), None, ("3",)),)
    assert page.cursor == Cursor(completed_at=NOW)


def test_a_full_last_page_is_read_again_in_case_it_gained_a_successor() -> None:
    script = Script(
        {"p1": Page((pull(2, 2), pull(1, 1)), "p2", unchanged=True), "p2": Page((pull(0, 0),))}
    )
    memos = {"p1": memo("p1", None, "2", "1")}  # was the last page, and full

    pages = whole(script, state(Cursor(completed_at=T0), memos))

    assert script.asked == [("p1", True), ("p1", False), ("p2", False)]
    assert [item.key for page in pages for item in page.items] == ["2", "1", "0"]


def test_an_interrupted_whole_list_pass_keeps_its_start() -> None:
    script = Script({"p1": Page(None, "p2"), "p2": Page((pull(1, 1),))})
    running = PassState(started_at=T0)

    (page,) = whole(script, state(Cursor(current=running), {"p1": memo("p1", "p2", "x")}))

    assert page.absent_before == T0  # what the interrupted run saw still counts as seen


def test_a_304_to_an_unconditional_request_is_refused() -> None:
    def broken(url: str, validators: Validators | None) -> Fetched:
        return Fetched(url, None, None, None)

    with pytest.raises(ValueError, match="304 Not Modified to an unconditional request"):
        list(newest_first_pass(broken, "p1", state(), ordering=ordering, stop_at_watermark=True))
