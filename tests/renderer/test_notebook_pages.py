"""The notebook's page families: ledger views, pagination, dossiers, decisions, journal."""

from __future__ import annotations

from pathlib import Path

from collector.model.records import Decision, Item
from renderer.decisions import split_sections
from tests.renderer.builders import (
    PAYMENTS,
    TERRAFORM,
    Inputs,
    day,
    make_config,
    make_inputs,
    merge_request,
    repository,
    stored,
)
from tests.renderer.site_files import attr, foreign_scripts, html_pages, links, one, parse, text


def many(count: int, labels: tuple[str, ...] = ("evidence:architecture",)) -> Inputs:
    items = [
        merge_request(PAYMENTS, n, f"Change {n}", labels=labels, merged_at=day(n))
        for n in range(1, count + 1)
    ]
    return make_inputs(make_config(), [repository(PAYMENTS)], [stored(i) for i in items])


def rows(page: Path) -> list[str]:
    return [a.get_text() for a in parse(page).select("table.ledger tbody a")]


def test_the_ledger_lists_every_surfaced_item_with_pre_rendered_filters(
    sample: Inputs, sample_site: Path
) -> None:
    ledger = parse(sample_site / "ledger/index.html")
    assert len(ledger.select("table.ledger tbody tr")) == len(sample.model().entries) == 10
    filters = {a.get_text(" ", strip=True): attr(a, "href") for a in ledger.select(".filters a")}
    assert filters == {
        "All (10)": "../ledger/index.html",
        "Architecture (2)": "../ledger/category-architecture.html",
        "Merge Request (1)": "../ledger/category-merge-request.html",
        "Deployment (5)": "../ledger/category-deployment.html",
        "Monitoring (2)": "../ledger/category-monitoring.html",
        "OCM Brain (9)": "../ledger/system-ocm-brain.html",
        "Notebook (1)": "../ledger/system-notebook.html",
        "GitHub (7)": "../ledger/forge-github.html",
        "GitLab (1)": "../ledger/forge-gitlab.html",
        "2025 (10)": "../ledger/year-2025.html",
    }
    assert rows(sample_site / "ledger/forge-gitlab.html") == ["Alert on import failures"]
    deployment = parse(sample_site / "ledger/category-deployment.html")
    assert len(deployment.select("tbody tr")) == 5
    current = deployment.select('.filters a[aria-current="page"]')
    assert [a.get_text(" ", strip=True) for a in current] == ["Deployment (5)"]
    # Private work is counted and listed, never named; it has no forge to filter by.
    private = deployment.select("tbody tr.redacted td")
    assert private[-1].get_text() == "private"
    for soup in html_pages(sample_site).values():
        assert foreign_scripts(soup) == []  # filtering needs no JavaScript (search is extra)


def test_long_lists_are_paginated_and_the_first_page_keeps_its_path(tmp_path: Path) -> None:
    inputs = many(130)
    inputs.render(tmp_path / "site")
    site = tmp_path / "site"
    stage = [site / "architecture.html"] + [
        site / f"architecture-{n}.html" for n in (2, 3, 4, 5, 6)
    ]
    assert [len(parse(p).select("a.entry-title")) for p in stage] == [25, 25, 25, 25, 25, 5]
    assert not (site / "architecture-7.html").exists()
    second = parse(site / "architecture-2.html")
    assert links(second, 'a[rel="prev"]') == ["architecture.html"]
    assert links(second, 'a[rel="next"]') == ["architecture-3.html"]
    assert one(second, "title").get_text().startswith("01 Architecture, page 2 of 6")
    assert len(rows(site / "ledger/index.html")) == 100
    assert len(rows(site / "ledger/index-2.html")) == 30
    assert len(parse(site / "journal-6.html").select("a.entry-title")) == 5
    newest = parse(site / "architecture.html").select("a.entry-title")[0].get_text()
    assert newest == "Change 130"


def test_pages_of_a_shrinking_list_are_removed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    many(30).render(site)
    assert (site / "architecture-2.html").is_file()
    report = many(20).render(site)
    assert not (site / "architecture-2.html").exists()
    assert report.files_removed >= 2 + 10  # stage and journal page 2, ten item pages


def test_a_system_dossier_shows_mission_stack_repositories_stages_chains_and_figures(
    sample_site: Path,
) -> None:
    dossier = parse(sample_site / "systems/ocm-brain.html")
    assert one(dossier, "h1").get_text() == "OCM Brain"
    assert "Lead scoring and consent checks" in dossier.get_text()
    assert text(dossier, ".stack") == "Python, HCL, Go, Shell"
    assert [a.get_text() for a in dossier.select(".repository-list a")] == [
        "acme-corp/payments-api",
        "platform-team/infra/terraform-modules",
    ]
    stages = [h.get_text(" ", strip=True) for h in dossier.select("h3[id^=stage-]")]
    assert stages == [
        "01 Architecture (1)",
        "02 Merge Request (1)",
        "03 Deployment (5)",
        "04 Monitoring (2)",
    ]
    chain = dossier.select("ol.chains > li")[0].get_text(" ", strip=True)
    assert "Merged" in chain and "Released" in chain
    assert len(dossier.select(".figure")) == 6
    home = parse(sample_site / "index.html")
    assert "systems/ocm-brain.html" in links(one(home, "#system-ocm-brain"))


def test_item_pages_link_to_their_system_dossier(sample_site: Path) -> None:
    [path] = sample_site.glob("items/payments-api-mr-42-*.html")
    assert "../systems/ocm-brain.html" in links(parse(path))


def test_decisions_show_context_decision_consequences_and_implementations(
    tmp_path: Path,
) -> None:
    adr = Decision(
        repo=PAYMENTS,
        url="https://github.com/acme-corp/payments-api/blob/main/docs/adr/0007-queues.md",
        title="ADR 7: Queue scoring work",
        created_at=day(1),
        path="docs/adr/0007-queues.md",
        status="Accepted",
        context="Scoring blocked the request path.",
        decision="Move scoring to a queue.",
        consequences="Scores may be a minute stale.",
    )
    items: list[Item] = [
        adr,
        merge_request(
            PAYMENTS,
            5,
            "Add the scoring worker",
            labels=("evidence",),
            body="Implements ADR-0007.",
            merged_at=day(3),
        ),
        merge_request(
            PAYMENTS,
            6,
            "Record the queue note",
            labels=("evidence",),
            merged_at=day(2),
            extra={"changed_files": ["docs/adr/0007-queues.md"]},
        ),
        merge_request(PAYMENTS, 7, "Unrelated", labels=("evidence",), merged_at=day(4)),
        merge_request(
            TERRAFORM,
            8,
            "Same number, other repository",
            labels=("evidence",),
            body="Implements ADR 7.",
            merged_at=day(4),
        ),
        merge_request(
            PAYMENTS,
            9,
            "Design: why PostgreSQL",
            labels=("evidence:architecture",),
            body="## Problem\nLost state.\n\n## Decision\nPostgreSQL.\n\n## Result\nNone lost.",
            merged_at=day(5),
        ),
    ]
    inputs = make_inputs(
        make_config(), [repository(PAYMENTS), repository(TERRAFORM)], [stored(i) for i in items]
    )
    inputs.render(tmp_path / "site")
    page = parse(tmp_path / "site/decisions.html")
    decisions = page.select("li.decision")
    assert [one(d, "h2").get_text() for d in decisions] == [
        "Design: why PostgreSQL",
        "ADR 7: Queue scoring work",
    ]
    design, record = decisions
    assert [dt.get_text() for dt in design.select("dt")] == ["Problem", "Decision", "Result"]
    assert [dt.get_text() for dt in record.select("dt")] == ["Context", "Decision", "Consequences"]
    assert "accepted" in one(record, ".kicker").get_text()
    implemented = [a.get_text() for a in record.select("ul a")]
    assert implemented == [
        "Merge request #5: Add the scoring worker",
        "Merge request #6: Record the queue note",
    ]
    assert page.find(class_="notice") is None  # ADR records exist: no "appear once" note


def test_without_adr_records_the_decisions_page_says_they_appear_once_collected(
    sample_site: Path,
) -> None:
    page = parse(sample_site / "decisions.html")
    assert "ADRs appear here once they are" in one(page, ".notice").get_text()
    assert [one(d, "h2").get_text() for d in page.select("li.decision")] == [
        "Move scoring to async workers",
        "Write down the storage decision",
    ]


def test_split_sections_reads_decision_headings_outside_code() -> None:
    body = "Intro\n## Context\nA\n```\n# Decision\n```\n## Decision:\nB\n### Tradeoffs\nC"
    assert split_sections(body) == {
        "Context": "A\n```\n# Decision\n```",
        "Decision": "B",
        "Tradeoffs": "C",
    }
    assert split_sections("## Context\nonly context") == {}


def test_the_journal_groups_entries_by_month_newest_first(sample_site: Path) -> None:
    journal = parse(sample_site / "journal.html")
    assert [h.get_text() for h in journal.select("main h2")] == [
        "February 2025",
        "January 2025",
    ]
    assert len(journal.select("a.entry-title")) == 10
    home = parse(sample_site / "index.html")
    latest = [
        a.get_text()
        for a in one(home, "section[aria-labelledby=journal-heading]").select("a.entry-title")
    ]
    assert latest == [a.get_text() for a in journal.select("a.entry-title")][:5]


def test_public_proof_shows_activity(sample_site: Path) -> None:
    page = parse(sample_site / "repositories.html")
    first = page.select("li.repository")[0]
    # payments-api: merged #42-#45 and two published releases (v1.7.0, v1.8.0, the rc) in the window
    assert text(first, ".activity") == "4 changes, 3 releases"


def test_private_work_shown_in_full_when_its_source_opts_in(tmp_path: Path) -> None:
    from tests.renderer.builders import SYSTEMS, sample_items, sample_repositories

    config = make_config(SYSTEMS).model_copy(deep=True)
    data = config.model_dump()
    data["sources"][0]["show_private"] = "full"
    full = make_inputs(type(config).model_validate(data), sample_repositories(), sample_items())
    entries = {e.title: e for e in full.model().entries}
    secret = entries["Project Nightingale acquisition"]
    assert not secret.redacted
    assert secret.repository is not None and secret.repository.text == "acme-corp/secret-merger"
    assert not secret.path.startswith("items/private-")
    full.render(tmp_path / "site")
    ocm = parse(tmp_path / "site/systems/ocm-brain.html")
    assert "acme-corp/secret-merger" in [a.get_text() for a in ocm.select(".repository-list a")]
