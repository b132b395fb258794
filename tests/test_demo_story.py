"""The demo tells one coherent story: the numbers agree on every page and in ledger.json.

Built from the bundled sample at the golden build time, then read back as a
visitor (HTML) and as a machine (``ledger.json``) would.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from scripts.regenerate_golden import build_demo_site
from tests.renderer.site_files import attr, parse

STAGES = ("architecture", "merge-request", "deployment", "monitoring")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("demo-story") / "site"
    build_demo_site(output)
    return output


@pytest.fixture(scope="module")
def ledger(demo: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((demo / "ledger.json").read_text(encoding="utf-8"))
    return document


def _text(soup: BeautifulSoup | Tag, selector: str) -> str:
    found = soup.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found.get_text(" ", strip=True)


def _number(text: str) -> int:
    found = re.search(r"\d+", text)
    assert found, f"no number in {text!r}"
    return int(found.group())


def _facet(page: BeautifulSoup, title: str) -> dict[str, int]:
    heading = page.find("h2", string=title)
    assert heading is not None, f"the ledger has no {title} facet"
    facet = heading.find_parent("div")
    assert facet is not None
    return {
        attr(a, "href").rsplit("/", 1)[-1]: _number(_text(a, ".meta")) for a in facet.select("a")
    }


def test_the_total_counts_items_and_the_stages_they_are_in(
    demo: Path, ledger: dict[str, Any]
) -> None:
    items = ledger["items"]
    in_stage = Counter(c["slug"] for item in items for c in item["categories"])
    total = _text(parse(demo / "index.html"), ".total")
    assert total == f"{len(items)} items in {len(in_stage)} stages"
    assert ledger["counts"]["items"] == len(items)
    # The demo has an item filed under two stages: the stage counts add up to more.
    assert sum(in_stage.values()) > len(items)


def test_home_ledger_facets_and_ledger_json_give_the_same_stage_counts(
    demo: Path, ledger: dict[str, Any]
) -> None:
    items = ledger["items"]
    stages_of = [{c["slug"] for c in item["categories"]} for item in items]
    expected = {s: sum(1 for stages in stages_of if s in stages) for s in STAGES}
    home = parse(demo / "index.html")
    on_home = {
        attr(a, "href").removesuffix(".html"): _number(_text(a, ".count"))
        for a in home.select(".counts a")
    }
    facets = _facet(parse(demo / "ledger" / "index.html"), "Stage")
    on_ledger = {k.removeprefix("category-").removesuffix(".html"): v for k, v in facets.items()}
    assert on_home == on_ledger == ledger["counts"]["stages"] == expected
    # Every stage page states the same count as the ledger view of that stage.
    for stage, count in expected.items():
        stage_page = _text(parse(demo / f"{stage}.html"), "main .meta")
        assert stage_page.startswith(f"{count} item"), stage
        assert len(parse(demo / "ledger" / f"category-{stage}.html").select("tbody tr")) == count


def test_system_and_kind_counts_agree_with_the_items(demo: Path, ledger: dict[str, Any]) -> None:
    items = ledger["items"]
    per_system = Counter(s for item in items for s in item["systems"])
    assert ledger["counts"]["systems"] == dict(per_system)
    facets = _facet(parse(demo / "ledger" / "index.html"), "System")
    assert {k.removeprefix("system-").removesuffix(".html"): v for k, v in facets.items()} == dict(
        per_system
    )
    home = parse(demo / "index.html")
    for card in home.select("article.system"):
        slug = attr(card, "id").removeprefix("system-")
        assert _text(card, ".evidence-count") == f"{per_system[slug]} items"
    kinds = Counter(item["kind"] for item in items)
    assert ledger["counts"]["kinds"] == dict(kinds)
    phrases = _text(home, ".kinds")
    assert f"{kinds['merge_request']} merge requests" in phrases
    assert f"{kinds['decision']} decision records" in phrases
    assert ledger["counts"]["redacted"] == sum(1 for item in items if item["redacted"])


def test_every_figure_states_the_number_of_items_it_lists(demo: Path) -> None:
    urls = {}
    for page in sorted((demo / "proves").glob("all-*.html")):
        soup = parse(page)
        value = _text(soup, ".figure-value")
        rows = soup.select("ol.entries > li")
        urls[page.name] = len(rows)
        counted = re.search(r"over (\d+)|\((\d+) in|^(\d+) in|of (\d+) deployments", value)
        if counted:
            stated = next(int(g) for g in counted.groups() if g)
            assert stated == len(rows), f"{page.name}: {value!r} but {len(rows)} rows"
    assert urls, "the demo has no figure pages"


def _rows(page: BeautifulSoup) -> list[list[str]]:
    """Every list a visitor scans on ``page``: the text of each row's title, list by list."""
    lists = [
        [_text(li, "a") for li in ol.select(":scope > li") if li.select_one("a")]
        for ol in page.select("ol.entries, ol.decisions")
    ]
    lists.extend(
        [_text(row, "td:nth-of-type(2) a") for row in body.select("tr")]
        for body in page.select("table.ledger tbody")
    )
    return [rows for rows in lists if rows]


def test_no_two_adjacent_rows_of_any_list_read_the_same(demo: Path) -> None:
    checked = 0
    for path in sorted(demo.rglob("*.html")):
        for rows in _rows(parse(path)):
            checked += len(rows)
            for above, below in pairwise(rows):
                assert above != below, f"{path.relative_to(demo)}: two rows read {above!r}"
    assert checked > 500, "the check must have read the demo's lists"


def test_deployments_and_releases_are_titled_by_what_shipped_where(
    ledger: dict[str, Any],
) -> None:
    titles = {(i["kind"], i["title"]) for i in ledger["items"]}
    assert ("deployment", "helm-charts v3.3.0 → production") in titles
    assert ("release", "ocm-brain v1.8.0 — validated model output") in titles
    assert ("release", "payments-api v3.3.0") in titles  # named after its version: no repeat
    # A branch deployment is told apart by the commit it shipped.
    assert ("deployment", "payments-api main@380ab38 → production") in titles
    assert not any(title.startswith("Deploy main") for _, title in titles)


def test_tab_titles_name_the_item_and_the_owner_within_70_characters(demo: Path) -> None:
    owner = "Dana Developer"
    tabs = {
        path.relative_to(demo).as_posix(): _text(parse(path), "title")
        for path in sorted(demo.rglob("*.html"))
    }
    assert all(len(tab) <= 70 for tab in tabs.values()), max(tabs.values(), key=len)
    assert all(tab.endswith(f" · {owner}") or tab.startswith(owner) for tab in tabs.values())
    [item] = [p for p in tabs if p.startswith("items/helm-charts-mr-52-")]
    assert tabs[item] == ("ADR 12: resource limits are set from measured p99… · Dana Developer")


def _first_rows(page: BeautifulSoup) -> list[Tag]:
    lists = page.select("ol.entries, ol.decisions, ol.chains, table.ledger tbody")
    return [row for rows in lists if (row := rows.find(["li", "tr"])) is not None]


def test_no_list_opens_with_private_work(demo: Path, ledger: dict[str, Any]) -> None:
    assert ledger["counts"]["redacted"] >= 2, "the demo must have private work to place"
    opened = 0
    for path in sorted(demo.rglob("*.html")):
        for row in _first_rows(parse(path)):
            opened += 1
            where = f"{path.relative_to(demo)}: {row.get_text(' ', strip=True)[:80]!r}"
            assert "redacted" not in (row.get("class") or []), where
            assert "private repositor" not in row.get_text(), where
    assert opened > 50


def test_private_work_is_summed_up_by_stage_and_system_where_it_is_left_out(demo: Path) -> None:
    home = parse(demo / "index.html")
    assert not home.select(".entry.redacted"), "the home page itemises no private work"
    summary = _text(home, "#counts-heading ~ .private-summary")
    assert summary == (
        "2 changes in private repositories: 1 in Architecture, 1 in Deployment; "
        "1 of Payments Platform."
    )
    journal = parse(demo / "journal.html")
    assert not journal.select(".entry.redacted")
    assert "2 changes in private repositories" in _text(journal, ".private-summary")
    ledger_page = parse(demo / "ledger" / "index.html")
    rows = ledger_page.select("table.ledger tbody tr")
    assert [("redacted" in (r.get("class") or [])) for r in rows[-2:]] == [True, True]


def test_a_redaction_notice_names_only_what_the_page_shows(demo: Path) -> None:
    notices = {}
    for path in sorted((demo / "items").glob("private-*.html")):
        page = parse(path)
        notices[_text(page, ".notice")] = (
            bool(page.select("#systems-heading")),
            "Size" in [dt.get_text() for dt in page.select(".provenance dt")],
        )
    for notice, (system_shown, size_shown) in notices.items():
        assert ("system" in notice) == system_shown, notice
        assert ("size" in notice) == size_shown, notice
    assert len(notices) == 2


def test_the_first_screen_says_who_what_is_proven_and_how_to_reach_them(demo: Path) -> None:
    home = parse(demo / "index.html")
    main = home.select_one("main")
    assert main is not None
    hero = main.find("section")
    assert isinstance(hero, Tag) and "hero" in (hero.get("class") or [])
    assert _text(hero, "h1") == "Dana Developer"
    assert _text(hero, ".role") == "Backend Engineer"
    assert _text(hero, ".summary").startswith("I build and run payment and AI-scoring backends")

    figures = hero.select(".hero-figures a")
    # A figure's last two words are joined by a no-break space (never "1.6" / "h").
    assert [a.get_text().replace("\u00a0", " ") for a in figures] == [
        "14 deployments in 12 months",
        "median 28.9 days from opened to production",
        "incidents resolved in a median 1.6 h",
    ]
    assert all(
        a.get_text().endswith(("\u00a0months", "\u00a0production", "\u00a0h")) for a in figures
    )
    for link in figures:
        page = parse(demo / attr(link, "href"))
        assert "Definition" in [dt.get_text() for dt in page.select("dl.facts dt")]
        assert page.select("ol.entries > li"), f"{attr(link, 'href')} lists no items"

    contact = {a.get_text(): a for a in hero.select(".contact a")}
    assert list(contact) == [
        "dana@dana.example",
        "GitHub",
        "GitLab",
        "LinkedIn",
        "CV",
        "Mastodon",
    ]
    assert attr(contact["dana@dana.example"], "href") == "mailto:dana@dana.example"
    for label in ("GitHub", "GitLab", "LinkedIn", "Mastodon"):
        assert contact[label].get("rel") == ["me"], label
        assert attr(contact[label], "href").startswith("https://")
    assert contact["CV"].get("rel") is None  # a document, not a profile that links back

    avatar = hero.select_one("img.avatar")
    assert avatar is not None and (demo / attr(avatar, "src")).is_file()
    assert attr(avatar, "src") == "avatar.svg"  # from the site's own origin: the CSP allows it


def test_the_owners_pins_lead_their_stages_and_the_rest_are_the_strongest(demo: Path) -> None:
    home = parse(demo / "index.html")

    def first(stage: str) -> str:
        return _text(home, f"#stage-{stage} ol.entries > li a")

    assert first("architecture") == "Why PostgreSQL: move settlement state out of Redis"
    assert first("deployment") == "Blue/green rollouts for the payments API with Argo Rollouts"
    # Unpinned, a stage leads with what proves most, not with the newest item.
    merge_request = [a.get_text() for a in home.select("#stage-merge-request ol.entries a")]
    newest = [a.get_text() for a in parse(demo / "merge-request.html").select("a.entry-title")]
    assert merge_request != newest[: len(merge_request)]
