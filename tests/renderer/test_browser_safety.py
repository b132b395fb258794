"""Hostile forge content is inert in a real browser: no script runs, no script URL exists.

The hostile world (``builders.hostile_inputs``) puts payloads into every
forge-controlled field; each payload, if it ever became markup, would set
``window.__evidenceXss``, change the title or open a dialog. Every page is
loaded in headless Chromium twice: as published (with the CSP) and from a copy
with the CSP removed, so escaping alone is shown to be enough; the CSP is the
second layer, not the only one.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.webdriver import WebDriver

from tests.renderer.browser import chromium_session, serve_plain, serve_site
from tests.renderer.builders import XSS_GLOBAL, hostile_inputs
from tests.renderer.site_files import parse

PROBE = r"""
const unsafe = /^(javascript|vbscript|data):/i;
const found = [];
for (const element of document.querySelectorAll('*')) {
  for (const attribute of element.attributes) {
    // Browsers ignore controls and whitespace around a URL's scheme; so does this check.
    const value = attribute.value.replace(/[\u0000-\u0020]/g, '');
    const where = `${element.tagName} ${attribute.name}`;
    if (unsafe.test(value)) found.push(`${where}=${attribute.value}`);
    if (attribute.name.toLowerCase().startsWith('on')) found.push(where);
  }
}
return {
  xss: window[arguments[0]] === undefined ? null : String(window[arguments[0]]),
  title: document.title,
  // The ledger's search module is the one script a page may carry (an external file
  // from the site itself, see test_search.py); any other <script> element is a finding.
  scripts: [...document.scripts].filter(s => !(
    s.type === 'module' && !s.text && new URL(s.src).pathname.endsWith('/search.js')
  )).length,
  found: found,
};
"""
CSP_META = re.compile(rb'<meta http-equiv="Content-Security-Policy"[^>]*>\n?')


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("hostile-browser") / "site"
    hostile_inputs().render(output)
    return output


@pytest.fixture(scope="module")
def without_csp(hostile_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the hostile site whose pages carry no CSP: escaping must hold alone."""
    copy = tmp_path_factory.mktemp("hostile-no-csp") / "site"
    shutil.copytree(hostile_site, copy)
    stripped = 0
    for page in copy.rglob("*.html"):
        content = page.read_bytes()
        page.write_bytes(CSP_META.sub(b"", content))
        stripped += content != page.read_bytes()
    assert stripped == len(list(copy.rglob("*.html")))
    return copy


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium_session() as driver:
        yield driver


def console_messages(browser: WebDriver) -> list[str]:
    """The browser console since the last call (reading it empties it)."""
    entries: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return [str(entry["message"]) for entry in entries]


def documents(root: Path) -> list[str]:
    """Every page, plus the files a visitor could open directly that a browser renders."""
    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    return [*pages, "card.svg", "feed.xml", "sitemap.xml"]


def assert_nothing_ran(browser: WebDriver, base: str, root: Path, path: str) -> None:
    browser.get(base + path)
    # Let error and load handlers of anything injected run before looking.
    browser.execute_async_script("setTimeout(arguments[arguments.length - 1], 20)")
    try:
        text = browser.switch_to.alert.text
    except NoAlertPresentException:
        pass
    else:
        pytest.fail(f"{path}: a dialog opened: {text!r}")
    result = browser.execute_script(PROBE, XSS_GLOBAL)
    assert result["xss"] is None, f"{path}: injected script ran ({result['xss']})"
    assert result["scripts"] == 0, f"{path}: a <script> element is in the document"
    assert result["found"] == [], f"{path}: {result['found']}"
    if path.endswith(".html"):
        title = parse(root / path).find("title")
        assert title is not None
        assert result["title"] == title.get_text(), f"{path}: the title was changed"


def test_no_script_runs_on_any_published_page(browser: WebDriver, hostile_site: Path) -> None:
    paths = documents(hostile_site)
    assert len(paths) > 40
    console_messages(browser)  # start from an empty console
    with serve_site(hostile_site) as base:
        for path in paths:
            assert_nothing_ran(browser, base, hostile_site, path)
    # A CSP report would mean some markup tried to run or load something and was stopped.
    reports = [m for m in console_messages(browser) if "Content Security" in m]
    assert reports == []


def test_no_script_runs_even_without_the_csp(browser: WebDriver, without_csp: Path) -> None:
    with serve_plain(without_csp) as base:
        for path in documents(without_csp):
            assert_nothing_ran(browser, base, without_csp, path)


def test_the_probe_catches_a_payload_that_does_run(browser: WebDriver, tmp_path: Path) -> None:
    # The checker must be able to fail: a page where the payload is real markup.
    page = tmp_path / "index.html"
    page.write_text(
        "<!doctype html><title>t</title>"
        f'<img src=x onerror="window.{XSS_GLOBAL}=2"><a href="javascript:void(0)">x</a>',
        encoding="utf-8",
    )
    with serve_plain(tmp_path) as base:
        browser.get(base + "index.html")
        browser.execute_async_script("setTimeout(arguments[arguments.length - 1], 50)")
        result = browser.execute_script(PROBE, XSS_GLOBAL)
    assert result["xss"] == "2"
    assert any("javascript:void(0)" in finding for finding in result["found"])
