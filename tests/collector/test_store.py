"""The store against real SQLite and PostgreSQL databases (see tests/conftest.py)."""

from __future__ import annotations

import random
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, column, create_engine, event, inspect, table, update

from collector.model.records import (
    Commit,
    Item,
    MergeRequest,
    Release,
    RepoRef,
    Repository,
    Tag,
    Visibility,
)
from collector.store import Store, UpsertCounts
from collector.store.migrate import VERSION_TABLE, head_revision
from collector.store.schema import metadata
from core.errors import ExitCode, StoreError

GITHUB_REPO = RepoRef(forge="github", host="github.com", path="acme-corp/payments-api")
GITLAB_REPO = RepoRef(forge="gitlab", host="gitlab.example.com", path="platform/infra/modules")
T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
SEEN_1 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
SEEN_2 = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
HOSTILE = "Ship ünïcødé 🚀 — <script>alert(1)</script> NUL:\x00 lone:\ud800 end"


# -- record factories ----------------------------------------------------------------


def repository(ref: RepoRef = GITHUB_REPO, **changes: Any) -> Repository:
    fields: dict[str, Any] = {
        "ref": ref,
        "source": "github.com",
        "url": f"https://{ref.host}/{ref.path}",
        "description": "Payments — the API",
        "languages": {"Python": 12000, "HCL": 300},
        "topics": ("payments", "api"),
        "stars": 7,
        "visibility": Visibility.PUBLIC,
        "created_at": T0 - timedelta(days=400),
        "pushed_at": T0,
    }
    return Repository(**(fields | changes))


def merge_request(number: int, ref: RepoRef = GITHUB_REPO, **changes: Any) -> MergeRequest:
    fields: dict[str, Any] = {
        "repo": ref,
        "url": f"https://{ref.host}/{ref.path}/pull/{number}",
        "title": f"Change {number}",
        "author": "dana-dev",
        "created_at": T0,
        "number": number,
        "state": "merged",
        "labels": ("evidence", "evidence:deployment"),
        "merged_at": T0 + timedelta(hours=1),
    }
    return MergeRequest(**(fields | changes))


def commit(sha: str, ref: RepoRef = GITHUB_REPO, **changes: Any) -> Commit:
    fields: dict[str, Any] = {
        "repo": ref,
        "url": f"https://{ref.host}/{ref.path}/commit/{sha}",
        "title": f"Commit {sha}",
        "created_at": T0,
        "sha": sha,
        "message": f"Commit {sha}\n\nEvidence: deployment",
    }
    return Commit(**(fields | changes))


def release(tag: str, ref: RepoRef = GITHUB_REPO, **changes: Any) -> Release:
    fields: dict[str, Any] = {
        "repo": ref,
        "url": f"https://{ref.host}/{ref.path}/releases/tag/{tag}",
        "title": tag,
        "created_at": T0,
        "tag": tag,
    }
    return Release(**(fields | changes))


def tag(name: str, ref: RepoRef = GITHUB_REPO, **changes: Any) -> Tag:
    fields: dict[str, Any] = {
        "repo": ref,
        "url": f"https://{ref.host}/{ref.path}/tree/{name}",
        "title": name,
        "created_at": T0,
        "name": name,
        "sha": "0" * 40,
    }
    return Tag(**(fields | changes))


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every SQL statement sent to any database while the block runs."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def keys(store: Store) -> list[tuple[str, str, str]]:
    return [(s.item.repo.path, s.item.kind.value, s.item.key) for s in store.snapshot().items]


# -- opening and migrating -----------------------------------------------------------


def test_fresh_database_is_created_at_the_newest_revision(
    database_url: str, tmp_path: Path
) -> None:
    with recorded_statements() as statements, Store.open(database_url, base_dir=tmp_path) as store:
        assert store.schema_revision() == head_revision() == "0002"
    assert any(s.lstrip().upper().startswith("CREATE TABLE") for s in statements)
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {
        "repositories",
        "items",
        "runs",
        "sync_cursors",
        "page_memos",
        VERSION_TABLE,
    } <= tables


def test_reopening_runs_no_migration_and_keeps_the_data(database_url: str, tmp_path: Path) -> None:
    with Store.open(database_url, base_dir=tmp_path) as store:
        store.upsert_items("github.com", [commit("a1")], seen_at=SEEN_1)
    with recorded_statements() as statements, Store.open(database_url, base_dir=tmp_path) as store:
        assert store.schema_revision() == "0002"
        assert keys(store) == [(GITHUB_REPO.path, "commit", "a1")]
    writes = [s for s in statements if s.lstrip().upper().startswith(("CREATE", "ALTER", "INSERT"))]
    assert writes == []


def test_migrations_build_exactly_the_schema_the_store_queries(
    store: Store, database_url: str
) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_two_simultaneous_first_opens_both_succeed(database_url: str, tmp_path: Path) -> None:
    barrier = threading.Barrier(2)
    revisions: list[str | None] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            with Store.open(database_url, base_dir=tmp_path) as store:
                revisions.append(store.schema_revision())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert revisions == [head_revision(), head_revision()]


def test_a_database_from_a_newer_release_is_refused(database_url: str, tmp_path: Path) -> None:
    Store.open(database_url, base_dir=tmp_path).close()
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            versions = table(VERSION_TABLE, column("version_num"))
            connection.execute(update(versions).values(version_num="0099_future"))
    finally:
        engine.dispose()
    with pytest.raises(StoreError) as raised:
        Store.open(database_url, base_dir=tmp_path)
    assert "'0099_future' is newer" in str(raised.value)
    assert raised.value.exit_code is ExitCode.STORE


def test_relative_sqlite_path_resolves_against_base_dir_and_creates_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_dir = tmp_path / "project"
    config_dir.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with Store.open("sqlite:///.evidence/ledger.db", base_dir=config_dir) as store:
        expected = config_dir / ".evidence" / "ledger.db"
        assert store.location == f"sqlite:///{expected}"
        assert expected.is_file()
        assert stat.S_IMODE(expected.parent.stat().st_mode) == 0o700
        # WAL is a property of the file, visible to any other connection.
        with sqlite3.connect(expected) as other:
            assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert not (elsewhere / ".evidence").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://evidence:s3cret-pw@127.0.0.1:1/evidence",
        "postgresql://evidence:s3cret-pw@127.0.0.1:1/evidence",
    ],
)
def test_unreachable_server_is_one_masked_line(url: str, tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        Store.open(url, base_dir=tmp_path)
    message = str(raised.value)
    assert "s3cret-pw" not in message
    assert "postgresql+psycopg://evidence:***@127.0.0.1:1/evidence" in message
    assert "\n" not in message
    assert raised.value.exit_code is ExitCode.STORE


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a database url s3cret-pw", "not a database URL"),
        ("postgresql+psycopg://u:s3cret-pw@host:port/db", "not a database URL"),
        ("mysql://u:s3cret-pw@localhost/db", "unsupported database 'mysql'"),
    ],
)
def test_bad_url_is_refused_without_echoing_secrets(
    url: str, expected: str, tmp_path: Path
) -> None:
    with pytest.raises(StoreError) as raised:
        Store.open(url, base_dir=tmp_path)
    assert expected in str(raised.value)
    assert "s3cret-pw" not in str(raised.value)
    assert raised.value.exit_code is ExitCode.STORE


def test_sqlite_folder_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be")
    with pytest.raises(StoreError, match="cannot create folder") as raised:
        Store.open("sqlite:///blocker/state/ledger.db", base_dir=tmp_path)
    assert raised.value.exit_code is ExitCode.STORE


# -- upserts -------------------------------------------------------------------------


def test_collecting_twice_leaves_the_same_rows(store: Store) -> None:
    page = [merge_request(1), merge_request(2), commit("abc"), release("v1.0"), tag("v1.0")]
    assert store.upsert_items("github.com", page, seen_at=SEEN_1) == UpsertCounts(new=5)
    assert store.upsert_items("github.com", page, seen_at=SEEN_2) == UpsertCounts(unchanged=5)
    stored = store.snapshot().items
    assert len(stored) == 5
    assert {(s.first_seen_at, s.last_seen_at) for s in stored} == {(SEEN_1, SEEN_2)}


def test_changed_content_is_updated_and_keeps_its_first_sighting(store: Store) -> None:
    store.upsert_items("github.com", [merge_request(1), merge_request(2)], seen_at=SEEN_1)
    edited = merge_request(1, title="Renamed", labels=("evidence:architecture",))
    counts = store.upsert_items("github.com", [edited, merge_request(2)], seen_at=SEEN_2)
    assert counts == UpsertCounts(updated=1, unchanged=1)
    by_key = {s.item.key: s for s in store.snapshot().items}
    assert by_key["1"].item == edited
    assert (by_key["1"].first_seen_at, by_key["1"].last_seen_at) == (SEEN_1, SEEN_2)
    assert (by_key["2"].first_seen_at, by_key["2"].last_seen_at) == (SEEN_1, SEEN_2)


def test_a_record_collected_by_another_source_is_updated(store: Store) -> None:
    store.upsert_items("github.com", [tag("v1")], seen_at=SEEN_1)
    assert store.upsert_items("github-work", [tag("v1")], seen_at=SEEN_2) == UpsertCounts(updated=1)
    assert [s.source for s in store.snapshot().items] == ["github-work"]


def test_same_key_in_other_repository_or_kind_is_another_row(store: Store) -> None:
    page = [tag("v1"), release("v1"), tag("v1", ref=GITLAB_REPO)]
    assert store.upsert_items("mixed", page, seen_at=SEEN_1) == UpsertCounts(new=3)


def test_a_key_repeated_within_a_page_is_stored_once_with_the_last_content(store: Store) -> None:
    page = [merge_request(1, title="first"), merge_request(1, title="second")]
    assert store.upsert_items("github.com", page, seen_at=SEEN_1) == UpsertCounts(new=1)
    assert [s.item.title for s in store.snapshot().items] == ["second"]


def test_repositories_upsert_on_forge_host_and_path(store: Store) -> None:
    first = [repository(), repository(GITLAB_REPO, source="gitlab.example.com")]
    assert store.upsert_repositories(first, seen_at=SEEN_1) == UpsertCounts(new=2)
    renamed = repository(description="new description", visibility=Visibility.PRIVATE)
    counts = store.upsert_repositories([renamed, first[1]], seen_at=SEEN_2)
    assert counts == UpsertCounts(updated=1, unchanged=1)
    assert store.snapshot().repositories == (renamed, first[1])


def test_empty_pages_touch_nothing(store: Store) -> None:
    with recorded_statements() as statements:
        assert store.upsert_items("github.com", [], seen_at=SEEN_1) == UpsertCounts()
        assert store.upsert_repositories([], seen_at=SEEN_1) == UpsertCounts()
    assert statements == []


def test_seen_times_come_back_as_aware_utc(store: Store) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    seen = datetime(2026, 3, 2, 8, 30, 0, 654321, tzinfo=kolkata)
    store.upsert_items("github.com", [commit("a1")], seen_at=seen)
    (stored,) = store.snapshot().items
    assert stored.first_seen_at == seen
    assert stored.first_seen_at.utcoffset() == timedelta(0)
    assert stored.first_seen_at.replace(tzinfo=None) == datetime(2026, 3, 2, 3, 0, 0, 654321)


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        store.upsert_items("github.com", [commit("a1")], seen_at=datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="no time zone"):
        store.start_run(datetime(2026, 3, 2))


def test_a_page_costs_the_same_few_statements_whatever_its_size(store: Store) -> None:
    def costs(size: int, prefix: str) -> tuple[int, int, int]:
        page = [commit(f"{prefix}{n:04d}") for n in range(size)]
        changed = [
            c.model_copy(update={"title": "edited"}) if n % 2 else c for n, c in enumerate(page)
        ]
        with recorded_statements() as inserting:
            assert store.upsert_items("s", page, seen_at=SEEN_1) == UpsertCounts(new=size)
        with recorded_statements() as refreshing:
            assert store.upsert_items("s", page, seen_at=SEEN_2) == UpsertCounts(unchanged=size)
        with recorded_statements() as mixed:
            counts = store.upsert_items("s", changed, seen_at=SEEN_2)
            assert counts == UpsertCounts(updated=size // 2, unchanged=size - size // 2)
        return len(inserting), len(refreshing), len(mixed)

    small = costs(10, "small")
    large = costs(100, "large")
    assert small == large
    assert max(large) <= 4  # BEGIN (SQLite), one SELECT, one INSERT..ON CONFLICT, one UPDATE


# -- round trip and snapshot ---------------------------------------------------------


def test_every_item_kind_round_trips_exactly(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    extra: dict[str, Any] = {
        "nested": {"list": [1, 2.5, None, True, "ß"], "empty": {}, "deep": [{"a": [[]]}]},
        "big": 2**70,
        "hostile": HOSTILE,
    }
    items: list[Item] = [
        merge_request(
            7,
            title=HOSTILE,
            body="## Why\n\n- **bold** <img src=x onerror=alert(1)>\n",
            state="merged",
            draft=True,
            labels=("evidence::deployment", "évidence"),
            source_branch="feature/ü",
            target_branch="main",
            created_at=datetime(2026, 1, 5, 9, 15, 1, 1, tzinfo=plus_two),
            updated_at=datetime(2026, 1, 6, 0, 0, tzinfo=ZoneInfo("America/New_York")),
            merged_at=datetime(2026, 1, 6, 10, 0, tzinfo=UTC),
            closed_at=datetime(2026, 1, 6, 10, 0, tzinfo=UTC),
            merge_commit_sha="f" * 40,
            extra=extra,
        ),
        commit("9" * 40, title="Subject", message=f"Subject\n\n{HOSTILE}", committed_at=T0),
        release(
            "v2.0.0-rc.1",
            name="Release candidate 🚀",
            body=HOSTILE,
            prerelease=True,
            published_at=datetime(2026, 2, 1, 23, 59, 59, 999999, tzinfo=plus_two),
            extra={"assets": [{"name": "x.tar.gz", "size": 1}]},
        ),
        tag("v2.0.0", ref=GITLAB_REPO, author="", extra={}),
    ]
    store.upsert_items("mixed", items, seen_at=SEEN_1)
    by_key = {stored.item.key: stored.item for stored in store.snapshot().items}
    for original in items:
        restored = by_key[original.key]
        assert type(restored) is type(original)
        assert restored == original
        assert restored.model_dump(mode="json") == original.model_dump(mode="json")
    restored_mr = by_key["7"]
    assert isinstance(restored_mr, MergeRequest)
    assert restored_mr.created_at.utcoffset() == timedelta(hours=2)
    assert restored_mr.labels == ("evidence::deployment", "évidence")
    assert restored_mr.extra["big"] == 2**70
    # Storing the round-tripped records again changes nothing: their content is identical.
    assert store.upsert_items("mixed", list(by_key.values()), seen_at=SEEN_2) == UpsertCounts(
        unchanged=4
    )


def test_repository_round_trips_exactly(store: Store) -> None:
    original = repository(
        description=HOSTILE,
        visibility=Visibility.INTERNAL,
        fork=True,
        archived=True,
        updated_at=datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Madrid")),
        pushed_at=None,
    )
    store.upsert_repositories([original], seen_at=SEEN_1)
    (restored,) = store.snapshot().repositories
    assert restored == original
    assert restored.model_dump(mode="json") == original.model_dump(mode="json")
    assert restored.topics == ("payments", "api")


def test_snapshot_order_is_fixed_whatever_the_insertion_order(store: Store) -> None:
    repo_a = RepoRef(forge="github", host="github.com", path="acme/a")
    repo_b = RepoRef(forge="github", host="github.com", path="acme/b")
    later = T0 + timedelta(days=1)
    items: list[Item] = [
        merge_request(9, ref=repo_a, created_at=T0, merged_at=later),
        merge_request(10, ref=repo_a, created_at=T0, merged_at=T0),
        tag("v2", ref=repo_a),
        tag("v1", ref=repo_a),
        commit("c1", ref=repo_a),
        release("r1", ref=repo_b),
        merge_request(1, ref=GITLAB_REPO),
    ]
    random.Random(4).shuffle(items)
    for start in range(0, len(items), 3):  # several pages, several sources
        store.upsert_items(f"source-{start}", items[start : start + 3], seen_at=SEEN_1)
    expected = [
        ("acme/a", "commit", "c1"),
        ("acme/a", "merge_request", "10"),  # merged earlier than 9
        ("acme/a", "merge_request", "9"),
        ("acme/a", "tag", "v1"),  # same date: by key
        ("acme/a", "tag", "v2"),
        ("acme/b", "release", "r1"),
        (GITLAB_REPO.path, "merge_request", "1"),
    ]
    assert keys(store) == expected
    assert store.snapshot() == store.snapshot()

    names = ["acme/alpha", "acme/Zeta", "acme/beta"]
    repositories = [repository(RepoRef(forge="github", host="github.com", path=n)) for n in names]
    store.upsert_repositories(repositories, seen_at=SEEN_1)
    # Code-point order, not the database's collation: the same on every backend.
    assert [r.ref.path for r in store.snapshot().repositories] == [
        "acme/Zeta",
        "acme/alpha",
        "acme/beta",
    ]


# -- run history ---------------------------------------------------------------------


def test_runs_are_recorded_and_listed_newest_first(store: Store) -> None:
    madrid = ZoneInfo("Europe/Madrid")
    first = store.start_run(datetime(2026, 3, 2, 4, 0, tzinfo=madrid))
    second = store.start_run(datetime(2026, 3, 3, 4, 0, tzinfo=madrid))
    summary = {"github.com": {"requests": 12, "new": 3, "errors": ["acme/x: 404"]}, "ok": True}
    store.finish_run(
        first,
        finished_at=datetime(2026, 3, 2, 4, 5, tzinfo=madrid),
        status="partial",
        summary=summary,
    )

    newest, oldest = store.last_runs()
    assert (newest.id, newest.status, newest.finished_at, newest.summary) == (
        second,
        "running",
        None,
        {},
    )
    assert newest.started_at == datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    assert newest.started_at.utcoffset() == timedelta(0)
    assert (oldest.id, oldest.status, oldest.summary) == (first, "partial", summary)
    assert oldest.finished_at == datetime(2026, 3, 2, 3, 5, tzinfo=UTC)
    assert [run.id for run in store.last_runs(limit=1)] == [second]


def test_finishing_an_unknown_run_or_with_an_unknown_status_fails(store: Store) -> None:
    run = store.start_run(T0)
    with pytest.raises(ValueError, match="run status 'done'"):
        store.finish_run(run, finished_at=T0, status="done", summary={})
    with pytest.raises(StoreError, match=f"run {run + 1} does not exist"):
        store.finish_run(run + 1, finished_at=T0, status="failed", summary={})
    assert [r.status for r in store.last_runs()] == ["running"]


def test_a_run_left_running_by_a_killed_process_is_closed_by_the_next_one(store: Store) -> None:
    hour = timedelta(hours=1)
    killed_whole = store.start_run(T0)
    killed_shard = store.start_run(T0 + hour, shard="1/2")
    other_shard = store.start_run(T0 + 2 * hour, shard="2/2")

    # Shard 1/2 starts again: only its own earlier run can be known dead.
    store.start_run(T0 + 3 * hour, shard="1/2")
    status = {run.id: run.status for run in store.last_runs()}
    assert (status[killed_shard], status[other_shard]) == ("interrupted", "running")

    # An unsharded run holds the whole store's lock: every other run is over.
    latest = store.start_run(T0 + 4 * hour)
    runs = {run.id: run for run in store.last_runs()}
    assert [runs[i].status for i in (killed_whole, other_shard)] == ["interrupted"] * 2
    assert runs[latest].status == "running"
    closed = runs[other_shard]
    assert closed.finished_at == closed.started_at  # when it died is not known
    assert closed.summary == {"shard": "2/2", "sources": [], "abandoned": True}


def test_a_closed_store_cannot_be_used(database_url: str, tmp_path: Path) -> None:
    store = Store.open(database_url, base_dir=tmp_path)
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        store.snapshot()
