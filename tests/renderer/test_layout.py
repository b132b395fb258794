"""The pages as a phone and a laptop show them: no sideways scroll, no word cut in two,
tap targets a thumb can hit, and zero axe-core violations in both colour schemes.

Each page is loaded in headless Chromium at 390 × 844 (a phone, with mobile
viewport rules) and 1366 × 900 (a laptop). Full-page screenshots are written to
``output.screenshots/`` (git-ignored) so a reviewer can look at what changed.

axe-core is audited with the page's CSP bypassed (``Page.setBypassCSP``): the
pages allow no inline script, and a blocked audit would report no violation at
all. Every audit must report passed checks, so an audit that did not run fails.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from scripts.regenerate_golden import build_demo_site
from tests.renderer.browser import chromium_session, serve_site
from tests.renderer.tools import ROOT, axe_source

SCREENSHOTS = ROOT / "output.screenshots"
VIEWPORTS = {"phone": (390, 844), "laptop": (1366, 900)}
MIN_TARGET = 24  # CSS px, WCAG 2.2 target size (minimum)

# Every word (a run of letters and digits) must sit on one line: a word that
# spans two line boxes was cut inside (the "De pl oy m en t" of a squeezed
# table cell). Hyphens, slashes and spaces are where lines may break. Code (a snippet
# to copy, a URL) may wrap anywhere: it is not read as words.
BROKEN_WORDS = r"""
const broken = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const word = /[\p{L}\p{N}]{2,}/gu;
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (node.parentElement.closest('pre, code')) continue;
  for (const match of node.data.matchAll(word)) {
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    const tops = new Set();
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && rect.height > 0) tops.add(Math.round(rect.top));
    }
    if (tops.size > 1) {
      broken.push(`${node.parentElement.tagName.toLowerCase()}: ${match[0]}`);
    }
  }
}
return broken.slice(0, 20);
"""

# The page, and every element inside it, fits the viewport's width.
SIDEWAYS = r"""
const root = document.documentElement;
const found = [];
if (root.scrollWidth > root.clientWidth) found.push(`page: ${root.scrollWidth}px`);
for (const element of document.body.querySelectorAll('*')) {
  const style = getComputedStyle(element);
  if (!['auto', 'scroll'].includes(style.overflowX)) continue;
  if (element.scrollWidth > element.clientWidth + 1) {
    found.push(`${element.tagName.toLowerCase()}.${element.className}: ${element.scrollWidth}px`);
  }
}
return found;
"""

# Links that stand alone (the only thing in their list item or paragraph: menus,
# filters, pagers, "see all" links) must be at least 24 px high and wide. Links
# inside a sentence are exempt, as in WCAG 2.5.8; axe's target-size rule checks
# the spacing of everything else.
SMALL_TARGETS = r"""
const min = arguments[0];
const small = [];
for (const link of document.querySelectorAll('a[href], button, input, select')) {
  const box = link.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) continue;
  const parent = link.parentElement;
  const alone = ['LI', 'P', 'DT', 'DD', 'TD', 'H2', 'H3'].includes(parent.tagName)
    && parent.textContent.trim() === link.textContent.trim();
  if (alone && (box.height < min || box.width < min)) {
    const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
    small.push(`${link.textContent.trim().slice(0, 40)}: ${size}`);
  }
}
return small;
"""

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {rules: {'target-size': {enabled: true}}})
  .then(result => done({
    passes: result.passes.length,
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary),
    })),
  }))
  .catch(error => done({passes: 0, violations: [{id: 'axe-error', help: String(error)}]}));
"""


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("layout") / "site"
    build_demo_site(output)
    return output


def pages(site: Path) -> dict[str, str]:
    """Home, ledger, an item with a description and a chain, a dossier, decisions, and the
    figures page (its charts)."""
    item = next(p for p in sorted((site / "items").glob("ocm-brain-mr-112-*.html")))
    return {
        "home": "index.html",
        "ledger": "ledger/index.html",
        "item": f"items/{item.name}",
        "dossier": "systems/ocm-brain.html",
        "decisions": "decisions.html",
        "figures": "what-it-proves.html",
    }


@pytest.fixture(scope="module")
def browser(demo_site: Path) -> Iterator[tuple[WebDriver, str]]:
    with chromium_session() as driver, serve_site(demo_site) as base:
        driver.set_script_timeout(60)
        yield driver, base


def show(driver: WebDriver, url: str, viewport: str, scheme: str) -> None:
    width, height = VIEWPORTS[viewport]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800},
    )
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    driver.get(url)
    # The ledger's search appears once its index has loaded: check the page with it.
    WebDriverWait(driver, 20).until(
        lambda d: all(e.is_enabled() for e in d.find_elements(By.CSS_SELECTOR, "#search-query"))
    )


def screenshot(driver: WebDriver, name: str) -> None:
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def axe(driver: WebDriver) -> dict[str, Any]:
    driver.execute_script(axe_source())
    result: dict[str, Any] = driver.execute_async_script(AXE_RUN)
    return result


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_pages_fit_the_screen_without_cutting_words(
    browser: tuple[WebDriver, str], demo_site: Path, viewport: str
) -> None:
    driver, base = browser
    problems: dict[str, Any] = {}
    for name, path in pages(demo_site).items():
        for scheme in ("light", "dark"):
            show(driver, base + path, viewport, scheme)
            screenshot(driver, f"{viewport}-{name}-{scheme}")
        checks = {
            "sideways": driver.execute_script(SIDEWAYS),
            "broken words": driver.execute_script(BROKEN_WORDS),
            "small targets": driver.execute_script(SMALL_TARGETS, MIN_TARGET),
        }
        problems |= {f"{name}: {check}": found for check, found in checks.items() if found}
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_no_axe_violations_in_light_and_dark(
    browser: tuple[WebDriver, str], demo_site: Path, viewport: str
) -> None:
    driver, base = browser
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    found: dict[str, Any] = {}
    try:
        for name, path in pages(demo_site).items():
            for scheme in ("light", "dark"):
                show(driver, base + path, viewport, scheme)
                result = axe(driver)
                assert result["passes"] > 0, f"axe did not run on {path}: {result}"
                if result["violations"]:
                    found[f"{name} ({scheme})"] = result["violations"]
    finally:
        driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_checks_find_what_they_look_for(browser: tuple[WebDriver, str], tmp_path: Path) -> None:
    # A squeezed table cuts words, a wide block scrolls sideways, a tiny menu link is
    # too small: each check must report its own case, or it proves nothing.
    driver, _ = browser
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><html lang="en"><meta name="viewport" content="width=device-width">'
        "<title>x</title><body style='overflow-wrap:anywhere'>"
        "<table><tr><td style='width:2rem'>Deployment</td><td style='width:2rem'>x</td></tr>"
        "</table><div style='width:2000px'>wide</div>"
        "<ul><li><a href='#' style='font-size:8px'>x</a></li></ul></body></html>",
        encoding="utf-8",
    )
    show(driver, page.as_uri(), "phone", "light")
    assert driver.execute_script(BROKEN_WORDS) == ["td: Deployment"]
    assert [p.split(":")[0] for p in driver.execute_script(SIDEWAYS)] == ["page"]
    assert driver.execute_script(SMALL_TARGETS, MIN_TARGET) != []


FIRST_SCREEN = """
const [selector, height] = arguments;
return Array.from(document.querySelectorAll(selector)).map(a => {
  const box = a.getBoundingClientRect();
  const seen = box.bottom <= height && box.top >= 0;
  return {text: a.textContent.trim(), bottom: box.bottom, seen: seen};
});
"""


def test_the_first_screen_says_who_what_is_proven_and_how_to_reach(
    browser: tuple[WebDriver, str], demo_site: Path
) -> None:
    """A recruiter's ten seconds at 1366 × 900: the figures and the contact links, unscrolled."""
    driver, base = browser
    show(driver, base + "index.html", "laptop", "light")
    driver.execute_script("window.scrollTo(0, 0)")
    _, height = VIEWPORTS["laptop"]
    figures = driver.execute_script(FIRST_SCREEN, ".hero-figures a", height)
    contact = driver.execute_script(FIRST_SCREEN, ".contact a", height)
    owner = driver.execute_script(FIRST_SCREEN, ".hero h1", height)

    assert len(figures) == 3 and len(contact) >= 4 and len(owner) == 1
    outside = [f for f in [*owner, *figures, *contact] if not f["seen"]]
    assert outside == [], outside
