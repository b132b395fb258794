from __future__ import annotations

from datetime import UTC, datetime

from collector.forges.base.adr import is_adr_file, parse_adr

NYGARD = """# 7. Split async scoring from the lead API

Date: 2026-03-02

## Status

Accepted

## Context

Scoring took 2-9 s and blocked the sales UI.

## Decision

Move scoring to a queue-backed worker.

## Consequences

Scores can be a minute stale.
"""

MADR = """---
status: accepted
date: 2025-11-10
deciders: dana
---
# Keep settlement state in PostgreSQL

## Context and Problem Statement

Settlement state lived in Redis and was lost on failover.

## Considered Options

* Redis with AOF
* PostgreSQL

## Decision Outcome

Chosen option: "PostgreSQL", because transactions.

### Consequences

* Good, because no lost settlements.
* Bad, because one more database to run.
"""


def test_nygard_record() -> None:
    adr = parse_adr("docs/adr/0007-split-async-scoring.md", NYGARD)
    assert adr.format == "nygard"
    assert adr.title == "Split async scoring from the lead API"
    assert adr.status == "accepted"
    assert adr.date == datetime(2026, 3, 2, tzinfo=UTC)
    assert adr.context == "Scoring took 2-9 s and blocked the sales UI."
    assert adr.decision == "Move scoring to a queue-backed worker."
    assert adr.consequences == "Scores can be a minute stale."


def test_madr_record_with_front_matter() -> None:
    adr = parse_adr("docs/decisions/0002-postgres.md", MADR)
    assert adr.format == "madr"
    assert adr.title == "Keep settlement state in PostgreSQL"
    assert (adr.status, adr.date) == ("accepted", datetime(2025, 11, 10, tzinfo=UTC))
    assert adr.context.startswith("Settlement state lived in Redis")
    assert adr.decision.startswith('Chosen option: "PostgreSQL"')
    assert "### Consequences" in adr.decision, "the nested section stays part of the outcome"
    assert adr.consequences.startswith("* Good, because")


def test_madr_without_front_matter_reads_status_lines() -> None:
    text = (
        "# Use Kafka\n\n* Status: superseded by ADR-0009\n* Date: 2024-02-30\n\n"
        "## Decision Outcome\n\nKafka.\n"
    )
    adr = parse_adr("doc/adr/0004-use-kafka.md", text)
    assert adr.format == "madr"
    assert adr.status == "superseded by adr-0009"
    assert adr.date is None, "an impossible date is left out, not guessed"


def test_untitled_file_takes_its_title_from_the_file_name() -> None:
    adr = parse_adr("docs/adr/0012-rate-limit-budget.md", "Some notes without headings.")
    assert (adr.title, adr.format, adr.context) == ("Rate limit budget", "plain", "")


def test_only_markdown_files_in_adr_folders_are_records() -> None:
    folders = ("docs/adr/", "doc/architecture/decisions")
    assert is_adr_file("docs/adr/0001-record.md", folders)
    assert is_adr_file("doc/architecture/decisions/0002-x.markdown", folders)
    assert not is_adr_file("docs/adr/README.md", folders)
    assert not is_adr_file("docs/adr/template.md", folders)
    assert not is_adr_file("docs/adr/diagram.png", folders)
    assert not is_adr_file("src/docs/adr/0001.md", folders)
