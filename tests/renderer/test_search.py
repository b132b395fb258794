"""Search: the Pagefind index built at render time answers in a real browser, under the
site's CSP, with filters; and without JavaScript the ledger is the same as ever."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from scripts.regenerate_golden import build_demo_site
from tests.renderer.browser import chromium_session, serve_site
from tests.renderer.site_files import parse
from tests.renderer.tools import ROOT

SCREENSHOTS = ROOT / "output.screenshots"  # git-ignored; see the README's development notes

# A word from the title of one demo item, and that item's page.
WORD = "PodDisruptionBudgets"
ITEM = "items/helm-charts-mr-53-"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("search") / "site"
    build_demo_site(output)
    return output


@pytest.fixture(scope="module")
def browser(demo_site: Path) -> Iterator[tuple[WebDriver, str]]:
    with chromium_session() as driver, serve_site(demo_site) as base:
        yield driver, base


def console(driver: WebDriver) -> list[str]:
    entries: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return [str(entry["message"]) for entry in entries]


def open_search(driver: WebDriver, url: str) -> None:
    driver.get(url)
    # The box is there from the first paint, enabled once the index has loaded.
    WebDriverWait(driver, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#search-query").is_enabled()
    )
    driver.find_element(By.CSS_SELECTOR, ".search-more summary").click()  # show the filters


def results(driver: WebDriver, expected: int | None = None) -> list[str]:
    """The result links' paths once the status line reports a count."""

    def done(d: WebDriver) -> bool:
        status = d.find_element(By.CSS_SELECTOR, ".search-status").text
        return "found" in status and (expected is None or status.startswith(f"{expected} item"))

    WebDriverWait(driver, 20).until(done)
    links = driver.find_elements(By.CSS_SELECTOR, ".search-results a")
    return [str(link.get_attribute("href")) for link in links]


def test_the_index_holds_every_public_item_and_no_private_one(demo_site: Path) -> None:
    entry = json.loads((demo_site / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    items = sorted((demo_site / "items").glob("*.html"))
    public = [p for p in items if not p.name.startswith("private-")]
    assert len(public) < len(items)
    assert entry["languages"]["en"]["page_count"] == len(public)
    for page in items:
        body = parse(page).select("[data-pagefind-body]")
        assert len(body) == (0 if page.name.startswith("private-") else 1), page.name
    assert not (demo_site / "pagefind" / "pagefind-ui.js").exists()  # only what is used


def test_a_word_from_a_title_finds_its_item(browser: tuple[WebDriver, str]) -> None:
    driver, base = browser
    console(driver)  # start from an empty log
    open_search(driver, base + "ledger/index.html")
    driver.find_element(By.ID, "search-query").send_keys(WORD)
    found = results(driver)
    assert found and ITEM in found[0], found
    title = driver.find_element(By.CSS_SELECTOR, ".search-results a").text
    assert WORD in title
    mark = driver.find_element(By.CSS_SELECTOR, ".search-results mark").text
    assert mark.lower() == WORD.lower()
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / "search-results.png"))
    # Pagefind ran under the page's CSP without a single refusal (no eval, no inline).
    assert [m for m in console(driver) if "Content Security Policy" in m] == []


def ledger_count(site: Path, repository: str, stage: str = "", year: str = "") -> int:
    """How many rows of the ledger table match: what the search must find too."""
    count = 0
    for row in parse(site / "ledger" / "index.html").select("table.ledger tbody tr"):
        source = row.select_one('td[data-label="Source"]')
        stages = row.select_one('td[data-label="Stage"]')
        time = row.select_one("time")
        assert source is not None and stages is not None and time is not None
        count += (
            source.get_text().endswith(" " + repository)
            and stage in stages.get_text()
            and str(time.get("datetime", "")).startswith(year)
        )
    return count


def test_filters_combine_stage_system_forge_year_and_repository(
    browser: tuple[WebDriver, str], demo_site: Path
) -> None:
    driver, base = browser
    repository = "platform-team/infra/helm-charts"
    open_search(driver, base + "ledger/index.html")
    selects = {
        str(s.get_attribute("name")): Select(s)
        for s in driver.find_elements(By.CSS_SELECTOR, ".search-filters select")
    }
    assert list(selects) == ["stage", "system", "forge", "year", "repository"]
    repositories = [o.get_attribute("value") for o in selects["repository"].options][1:]
    assert repository in repositories
    selects["repository"].select_by_value(repository)
    in_repository = results(driver, ledger_count(demo_site, repository))
    assert in_repository and all("/items/helm-charts-" in url for url in in_repository)
    selects["stage"].select_by_value("Architecture")
    expected = ledger_count(demo_site, repository, "Architecture")
    assert 0 < expected < len(in_repository)
    assert len(results(driver, expected)) == expected
    selects["year"].select_by_value("2026")
    expected_2026 = ledger_count(demo_site, repository, "Architecture", "2026")
    assert len(results(driver, expected_2026)) == expected_2026
    selects["forge"].select_by_value("GitHub")  # the repository is on GitLab: nothing left
    assert results(driver, expected=0) == []


def test_the_site_works_without_javascript(browser: tuple[WebDriver, str]) -> None:
    driver, base = browser
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get(base + "ledger/index.html")
        assert not driver.find_element(By.CSS_SELECTOR, "[data-search]").is_displayed()
        rows = driver.find_elements(By.CSS_SELECTOR, "table.ledger tbody tr")
        assert len(rows) > 50
        # The pre-rendered filters do the search's job: a link per stage, system, forge, year.
        driver.find_element(By.PARTIAL_LINK_TEXT, "GitLab (").click()
        assert driver.current_url.endswith("ledger/forge-gitlab.html")
        assert 0 < len(driver.find_elements(By.CSS_SELECTOR, "table.ledger tbody tr")) < len(rows)
        driver.get(base + "index.html")
        assert driver.find_element(By.CSS_SELECTOR, "figure#chart-activity svg").is_displayed()
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_only_the_ledger_may_run_a_script(demo_site: Path) -> None:
    for path in sorted(demo_site.rglob("*.html")):
        soup = parse(path)
        scripts = soup.find_all("script")
        policy = soup.select_one('meta[http-equiv="Content-Security-Policy"]')
        assert policy is not None
        content = str(policy.get("content"))
        assert "unsafe-eval'" not in content.replace("wasm-unsafe-eval", "")
        assert "unsafe-inline" not in content
        if path.parent.name == "ledger":
            assert [str(s.get("src", "")).rsplit("/", 1)[-1] for s in scripts] == ["search.js"]
            assert all(s.get("type") == "module" and not s.string for s in scripts)
            assert "script-src 'self' 'wasm-unsafe-eval';" in content
        else:
            assert scripts == [], path
            assert "script-src" not in content, path
