"""Rules steer stored items without the network: `evidence explain` and `evidence render`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner
from sqlalchemy import create_engine, update

from collector.model.records import MergeRequest, RepoRef, Repository
from collector.store import Store, schema
from collector.store.sync_state import DELETED
from core.errors import ExitCode
from evidence.cli import cli

REF = RepoRef(forge="github", host="github.com", path="dana-dev/ledger")
URL = "https://github.com/dana-dev/ledger/pull/12"
CONFIG = """
[site]
owner = "Dana"

[store]
url = "sqlite:///.evidence/ledger.db"
"""
MIGRATIONS_RULE = """
[[rules]]
name = "schema migrations"
paths = ["db/migrations/"]
categories = ["architecture"]
final = true
"""


def seed(folder: Path) -> None:
    when = datetime(2026, 4, 1, 12, tzinfo=UTC)
    change = MergeRequest(
        repo=REF,
        url=URL,
        title="Add ledger table",
        created_at=when,
        number=12,
        state="merged",
        merged_at=when,
        labels=("evidence",),
        extra={"changed_files": ["db/migrations/0003_ledger.sql"]},
    )
    with Store.open("sqlite:///.evidence/ledger.db", base_dir=folder) as store:
        store.upsert_repositories(
            [Repository(ref=REF, source="github.com", url="https://github.com/dana-dev/ledger")],
            seen_at=when,
        )
        store.upsert_items("github.com", [change], seen_at=when)


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def titles_on(site: Path, category: str) -> list[str]:
    soup = BeautifulSoup((site / f"{category}.html").read_text(encoding="utf-8"), "html.parser")
    return [a.get_text() for a in soup.select("ol.entries a.entry-title")]


def test_changing_a_rule_then_rendering_moves_the_item_without_network(tmp_path: Path) -> None:
    seed(tmp_path)
    config = tmp_path / "evidence.toml"
    config.write_text(CONFIG, encoding="utf-8")

    code, out, _ = run(config, "explain", URL)
    assert code == 0
    assert "shown:      yes — tagged by the owner" in out
    assert "  merge-request:\n    - no rule matched a later stage" in out
    assert run(config, "render")[0] == 0
    assert titles_on(tmp_path / "output", "merge-request") == ["Add ledger table"]
    assert titles_on(tmp_path / "output", "architecture") == []

    config.write_text(CONFIG + MIGRATIONS_RULE, encoding="utf-8")
    code, out, _ = run(config, "explain", "dana-dev/ledger#12")
    because = "rule 'schema migrations' (yours): changes db/migrations/0003_ledger.sql"
    assert f"  architecture:\n    - {because}" in out
    assert "merge-request:" not in out
    assert run(config, "render")[0] == 0
    assert titles_on(tmp_path / "output", "architecture") == ["Add ledger table"]
    assert titles_on(tmp_path / "output", "merge-request") == []


def test_explaining_an_unknown_item_is_one_clear_line(tmp_path: Path) -> None:
    seed(tmp_path)
    config = tmp_path / "evidence.toml"
    config.write_text(CONFIG, encoding="utf-8")
    code, _, err = run(config, "explain", "https://github.com/dana-dev/ledger/pull/999")
    assert code == ExitCode.CONFIG
    assert err.strip().splitlines() == [
        "error: no stored item matches 'https://github.com/dana-dev/ledger/pull/999'; give its URL "
        "or owner/repo#number (run `evidence collect` first if it is new)"
    ]


def test_an_item_of_a_gone_repository_is_explained(tmp_path: Path) -> None:
    seed(tmp_path)
    config = tmp_path / "evidence.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with Store.open("sqlite:///.evidence/ledger.db", base_dir=tmp_path) as store:
        reason = "answers 404: deleted, renamed or no longer visible to the token"
        store.mark_repositories_gone([(REF, reason)], at=datetime(2026, 5, 2, 3, tzinfo=UTC))

    for query in (URL, "dana-dev/ledger#12"):
        code, out, err = run(config, "explain", query)
        assert (code, err) == (0, "")
        assert out.splitlines() == [
            "merge_request github:dana-dev/ledger#12: Add ledger table",
            f"  url:        {URL}",
            f"  shown:      no — its repository was reported gone on 2026-05-02: {reason}",
            "  kept:       its stored record stays; it is shown again if the forge lists it again",
        ]
    code, _, err = run(config, "explain", "dana-dev/ledger#13")
    assert code == ExitCode.CONFIG and "no stored item matches" in err


def test_an_item_deleted_on_the_forge_is_explained(tmp_path: Path) -> None:
    seed(tmp_path)
    config = tmp_path / "evidence.toml"
    config.write_text(CONFIG, encoding="utf-8")
    engine = create_engine(f"sqlite:///{tmp_path / '.evidence' / 'ledger.db'}")
    with engine.begin() as connection:  # what a complete read of its list flags
        connection.execute(
            update(schema.items).values(
                gone_at=datetime(2026, 5, 3, tzinfo=UTC), gone_reason=DELETED
            )
        )
    engine.dispose()
    code, out, _ = run(config, "explain", URL)
    assert code == 0
    assert f"  shown:      no — it was reported gone on 2026-05-03: {DELETED}" in out
