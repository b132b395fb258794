"""Lighthouse scores the pages a reader opens first at 0.95 or more in every category.

Home, the ledger (with its search loading), an item and a system dossier of the
demo site, served by the preview server (so with the CSP header), audited by
Lighthouse's own CLI in Debian's Chromium (no browser download).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.regenerate_golden import build_demo_site
from tests.renderer.browser import serve_site
from tests.renderer.tools import chromium, lighthouse

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
LEAST = 0.95


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    site = tmp_path_factory.mktemp("lighthouse") / "site"
    build_demo_site(site)
    with serve_site(site) as base:
        yield site, base


def scores(url: str, report: Path) -> dict[str, float]:
    command = [
        *lighthouse(),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    env = {**os.environ, "CHROME_PATH": chromium()}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(report.read_text(encoding="utf-8"))
    assert not result.get("runtimeError"), result["runtimeError"]
    return {name: result["categories"][name]["score"] for name in CATEGORIES}


def test_the_first_pages_a_reader_opens_score_high(
    served: tuple[Path, str], tmp_path: Path
) -> None:
    site, base = served
    item = next(p for p in sorted((site / "items").glob("ocm-brain-mr-112-*.html")))
    pages = {
        "home": "index.html",
        "ledger": "ledger/index.html",
        "item": f"items/{item.name}",
        "dossier": "systems/ocm-brain.html",
    }
    found = {name: scores(base + path, tmp_path / f"{name}.json") for name, path in pages.items()}
    low = {
        f"{name} {category}": score
        for name, by_category in found.items()
        for category, score in by_category.items()
        if score is None or score < LEAST
    }
    assert low == {}, json.dumps(found, indent=1)
