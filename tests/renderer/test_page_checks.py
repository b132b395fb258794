"""Quality gates on real pages: valid HTML (Nu HTML Checker) and zero axe-core violations.

The demo site is checked as visitors get it; the hostile site too, since
escaping must never produce invalid markup. axe-core runs in headless Chromium
in both colour schemes, injected through the driver (a page's CSP does not
apply to scripts the driver evaluates, and the pages themselves allow none).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from scripts.regenerate_golden import build_demo_site
from tests.renderer.browser import chromium_session, serve_site
from tests.renderer.builders import hostile_inputs
from tests.renderer.tools import axe_source, java, vnu_jar

# One page of every template, plus the pages whose content differs most.
PAGE_TYPES = {
    "home": "index.html",
    "stage": "architecture.html",
    "stage (deployment)": "deployment.html",
    "ledger": "ledger/index.html",
    "ledger filtered": "ledger/system-ocm-brain.html",
    "dossier": "systems/ocm-brain.html",
    "decisions": "decisions.html",
    "journal": "journal.html",
    "what it proves": "what-it-proves.html",
    "figure": "proves/all-lead-time-deploy.html",
    "figure without data": "proves/all-incidents.html",
    "public proof": "repositories.html",
}
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary),
  }))))
  .catch(error => done([{id: 'axe-error', help: String(error), nodes: []}]));
"""


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("demo") / "site"
    build_demo_site(output)
    return output


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("hostile") / "site"
    hostile_inputs().render(output)
    return output


def item_pages(site: Path) -> list[str]:
    """A merge request with a description, a release, and a redacted private item."""
    items = sorted(p.name for p in (site / "items").glob("*.html"))
    chosen = [
        next(n for n in items if n.startswith("ocm-brain-mr-112-")),
        next(n for n in items if "-release-" in n),
        next(n for n in items if n.startswith("private-")),
    ]
    return [f"items/{name}" for name in chosen]


def vnu_messages(*roots: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [java(), "-jar", str(vnu_jar()), "--errors-only", "--format", "json", "--skip-non-html"]
        + [str(root) for root in roots],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # vnu writes its JSON report to stderr; exit 1 means "errors found".
    report = json.loads(result.stderr)
    messages: list[dict[str, Any]] = report["messages"]
    return messages


def test_every_page_is_valid_html(demo_site: Path, hostile_site: Path, tmp_path: Path) -> None:
    # One checker run for everything (the JVM takes seconds to start), including a
    # known-bad page that proves the checker reports what it should.
    (tmp_path / "bad.html").write_text("<!doctype html><title>x</title><p><div></p>", "utf-8")
    messages = vnu_messages(demo_site, hostile_site, tmp_path)
    problems = [
        f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m.get('message')}" for m in messages
    ]
    assert any("bad.html" in problem for problem in problems)
    assert [p for p in problems if "bad.html" not in p] == []
    checked = len(list(demo_site.rglob("*.html"))) + len(list(hostile_site.rglob("*.html")))
    assert checked > 100


@pytest.fixture(scope="module")
def browser(demo_site: Path) -> Iterator[tuple[WebDriver, str]]:
    with chromium_session() as driver, serve_site(demo_site) as base:
        yield driver, base


def axe_violations(driver: WebDriver, url: str, scheme: str) -> list[dict[str, Any]]:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    driver.get(url)
    driver.execute_script(axe_source())
    violations: list[dict[str, Any]] = driver.execute_async_script(AXE_RUN)
    return violations


# Dark mode changes colours only: its contrast is checked on the pages with the most kinds
# of element rather than on all of them again.
DARK_PAGES = ("index.html", "ledger/index.html", "proves/all-lead-time-deploy.html")


def test_no_axe_violations_on_any_page_type(
    browser: tuple[WebDriver, str], demo_site: Path
) -> None:
    driver, base = browser
    driver.set_script_timeout(60)
    pages = [*PAGE_TYPES.values(), *item_pages(demo_site)]
    found = {path: axe_violations(driver, base + path, "light") for path in pages}
    found |= {f"{path} (dark)": axe_violations(driver, base + path, "dark") for path in DARK_PAGES}
    found["redacted item (dark)"] = axe_violations(driver, base + pages[-1], "dark")
    assert {path: v for path, v in found.items() if v} == {}


def test_axe_reports_a_real_violation(browser: tuple[WebDriver, str], tmp_path: Path) -> None:
    # The check must be able to fail: an image without alt text and an unlabeled field.
    driver, _ = browser
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><html lang="en"><title>x</title><main><img src="x.png">'
        '<input type="text"></main></html>',
        encoding="utf-8",
    )
    driver.get(page.as_uri())
    driver.execute_script(axe_source())
    ids = {v["id"] for v in driver.execute_async_script(AXE_RUN)}
    assert {"image-alt", "label"} <= ids
