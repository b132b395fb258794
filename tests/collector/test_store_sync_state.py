"""The store's incremental state on SQLite and PostgreSQL: cursors, memos, gone flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, insert
from sqlalchemy.exc import OperationalError

from collector.model.incremental import Cursor, PageMemo, PassState, Position, SyncPage, Validators
from collector.model.records import Kind, MergeRequest, Release, RepoRef, Repository
from collector.store import Store, codec, schema, sync_state
from collector.store.migrate import alembic_config
from core.errors import StoreError

REPO = RepoRef(forge="github", host="github.com", path="dana-dev/ledger")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SOURCE = "github.com"


def pull(number: int) -> MergeRequest:
    return MergeRequest(
        repo=REPO,
        url=f"https://github.com/{REPO.path}/pull/{number}",
        title=f"Change {number}",
        created_at=T0,
        updated_at=T0 + timedelta(minutes=number),
        number=number,
        state="merged",
        merged_at=T0 + timedelta(minutes=number),
    )


def release(tag: str) -> Release:
    url = f"https://github.com/{REPO.path}/releases/tag/{tag}"
    return Release(repo=REPO, url=url, title=tag, created_at=T0, tag=tag)


def repository() -> Repository:
    return Repository(ref=REPO, source=SOURCE, url=f"https://github.com/{REPO.path}", forge_id="7")


def test_a_cursor_and_its_memos_round_trip_exactly(store: Store) -> None:
    running = PassState(
        started_at=T0,
        high=T0 + timedelta(hours=2),
        marker="2026-03-01T10:00:00+00:00",
        resume_url="/repos/dana-dev/ledger/pulls?page=3&per_page=100",
        last=Position(T0 + timedelta(minutes=5), "5"),
    )
    cursor = Cursor(
        watermark=T0 - timedelta(days=1),
        marker="m",
        completed_at=T0 - timedelta(hours=1),
        current=running,
    )
    memo = PageMemo(
        "/repos/x/pulls?per_page=100", Validators('W/"abc"', "Sun, 01 Mar"), "/p2", ("5",)
    )
    page = SyncPage(items=(pull(5),), cursor=cursor, memos=(memo,))

    store.commit_page(SOURCE, REPO, Kind.MERGE_REQUEST, page, seen_at=T0)
    state = store.sync_state(SOURCE, REPO, Kind.MERGE_REQUEST, now=T0)

    assert state.cursor == cursor
    assert state.memos == {memo.url: memo}
    assert store.sync_state(SOURCE, REPO, Kind.RELEASE, now=T0).cursor == Cursor()
    assert store.sync_state("other-source", REPO, Kind.MERGE_REQUEST, now=T0).cursor == Cursor()


def test_a_page_and_its_cursor_are_committed_together_or_not_at_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = SyncPage(items=(pull(1),), cursor=Cursor(watermark=T0, completed_at=T0))
    store.commit_page(SOURCE, REPO, Kind.MERGE_REQUEST, first, seen_at=T0)

    def fail(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE sync_cursors", {}, Exception("disk I/O error"))

    monkeypatch.setattr(sync_state, "_save_cursor", fail)
    later = SyncPage(items=(pull(2),), cursor=Cursor(watermark=T0 + timedelta(days=1)))
    with pytest.raises(StoreError, match="saving items failed: disk I/O error"):
        store.commit_page(SOURCE, REPO, Kind.MERGE_REQUEST, later, seen_at=T0)

    assert [s.item.key for s in store.snapshot().items] == ["1"]  # page 2 rolled back too
    cursor = store.sync_state(SOURCE, REPO, Kind.MERGE_REQUEST, now=T0).cursor
    assert cursor.watermark == T0


def test_touched_keys_are_seen_and_missing_ones_flagged_gone(store: Store) -> None:
    store.upsert_repositories([repository()], seen_at=T0)
    listing = SyncPage(
        items=(release("v1"), release("v2"), release("v3")), cursor=Cursor(completed_at=T0)
    )
    store.commit_page(SOURCE, REPO, Kind.RELEASE, listing, seen_at=T0)
    started = T0 + timedelta(days=1)
    confirm = SyncPage(
        items=(), cursor=Cursor(completed_at=started), touched=("v1",), absent_before=started
    )

    outcome = store.commit_page(
        SOURCE, REPO, Kind.RELEASE, confirm, seen_at=started + timedelta(seconds=1)
    )

    assert outcome.gone == 2 and outcome.counts.unchanged == 1
    assert [s.item.key for s in store.snapshot().items] == ["v1"]
    assert store.gone_counts() == {"repositories": 0, "items": 2}
    back = SyncPage(items=(release("v2"),), cursor=Cursor(completed_at=started))
    store.commit_page(SOURCE, REPO, Kind.RELEASE, back, seen_at=started + timedelta(days=1))
    assert {s.item.key for s in store.snapshot().items} == {"v1", "v2"}


def test_failures_count_up_until_a_page_is_committed(store: Store) -> None:
    assert store.record_failure(SOURCE, REPO, Kind.COMMIT, "answered 502", at=T0) == 1
    assert store.record_failure(SOURCE, REPO, Kind.COMMIT, "answered 503", at=T0) == 2
    failing = store.sync_state(SOURCE, REPO, Kind.COMMIT, now=T0).cursor
    assert (failing.failures, failing.last_error) == (2, "answered 503")

    done = SyncPage(items=(), cursor=Cursor(completed_at=T0, failures=2, last_error="x"))
    store.commit_page(SOURCE, REPO, Kind.COMMIT, done, seen_at=T0)

    healed = store.sync_state(SOURCE, REPO, Kind.COMMIT, now=T0).cursor
    assert (healed.failures, healed.last_error) == (0, None)


def test_a_gone_repository_hides_its_items_until_it_is_listed_again(store: Store) -> None:
    store.upsert_repositories([repository()], seen_at=T0)
    store.upsert_items(SOURCE, [pull(1)], seen_at=T0)

    assert store.mark_repositories_gone([(REPO, "moved to github:dana-dev/new")], at=T0) == 1
    assert store.mark_repositories_gone([(REPO, "again")], at=T0) == 0  # already flagged

    assert store.snapshot().repositories == () and store.snapshot().items == ()
    assert store.known_repositories(SOURCE)[REPO].gone_reason == "moved to github:dana-dev/new"
    store.upsert_repositories([repository()], seen_at=T0 + timedelta(days=1))
    assert len(store.snapshot().items) == 1


def test_a_store_of_the_first_release_is_upgraded_with_its_data(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    if database_url.startswith("sqlite:///"):  # the store creates its folder; here we must
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            row = codec.item_row(SOURCE, pull(1))
            row.update(first_seen_at=T0, last_seen_at=T0)
            connection.execute(insert(schema.items).values(**row))
    finally:
        engine.dispose()

    with Store.open(database_url, base_dir=tmp_path) as store:
        assert store.schema_revision() == "0002"
        assert [s.item for s in store.snapshot().items] == [pull(1)]
        assert store.gone_counts() == {"repositories": 0, "items": 0}
