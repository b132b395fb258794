"""Rules steer stored items without the network: `evidence explain` and `evidence render`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner

from collector.records import MergeRequest, RepoRef, Repository
from collector.store import Store
from evidence.cli import cli
from evidence.errors import ExitCode

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
    # Where it ranks among the highlights, and what earned its score.
    assert "  highlight:  score " in out
    assert "    merge-request: 1 of 1 (on the home page, which shows the strongest 1)" in out
    assert "    - merged: +1" in out
    assert "    - tagged as evidence by the owner: +1" in out
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
