"""Opening the store as a fleet does: two real processes at once, and an older database.

Two CronJob pods (or a scheduler and a manual build) start at the same second
against one fresh database: both must end up at the newest schema, neither may
fail. A database left at the first revision by an older release is upgraded in
place, keeping what it holds.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import String, column, create_engine, inspect, select, table, text

from collector.store import Store
from collector.store.migrate import VERSION_TABLE, alembic_config, head_revision

ROOT = Path(__file__).resolve().parents[2]
FIRST_REVISION = "0001"
VERSIONS = select(column("version_num", String)).select_from(table(VERSION_TABLE))

OPEN_ON_GO = """
import sys
from pathlib import Path
from collector.store import Store
print("ready", flush=True)
sys.stdin.readline()  # "go", written to both processes back to back
with Store.open(sys.argv[1], base_dir=Path(sys.argv[2])) as store:
    print(store.schema_revision())
"""


def test_two_processes_opening_a_fresh_database_at_once_both_reach_head(
    database_url: str, tmp_path: Path
) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_ON_GO, database_url, str(tmp_path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in processes:  # both interpreters are up, imports done
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert out.strip() == head_revision()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = list(connection.execute(VERSIONS).scalars())
    finally:
        engine.dispose()
    assert versions == [head_revision()]  # one row: nobody migrated twice


def test_a_database_at_the_first_revision_is_upgraded_in_place(
    database_url: str, tmp_path: Path
) -> None:
    Store.open(database_url, base_dir=tmp_path).close()  # creates the SQLite folder too
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:  # back to what the first release left behind
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, FIRST_REVISION)
        with engine.begin() as connection:
            assert list(connection.execute(VERSIONS).scalars()) == [FIRST_REVISION]
            first_tables = set(inspect(connection).get_table_names())
            connection.execute(
                text(
                    "INSERT INTO runs (started_at, finished_at, status, summary) "
                    "VALUES (:at, :at, 'complete', '{}')"
                ),
                {"at": datetime(2024, 5, 1, 3, 0, tzinfo=UTC)},
            )
    finally:
        engine.dispose()
    with Store.open(database_url, base_dir=tmp_path) as store:
        assert store.schema_revision() == head_revision()
        runs = store.last_runs()
    assert [(run.status, run.started_at) for run in runs] == [
        ("complete", datetime(2024, 5, 1, 3, 0, tzinfo=UTC))
    ]
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert first_tables <= tables
    if head_revision() != FIRST_REVISION:
        assert tables != first_tables  # the later revisions really ran
