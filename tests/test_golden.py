"""The golden site: the bundled demo rendered at a fixed build time, byte for byte.

A difference is either a regression or an intended change; for the latter run
``uv run python -m scripts.regenerate_golden`` and commit ``tests/golden/site/``
with the change, so the review shows what visitors will see differently.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from scripts.regenerate_golden import GOLDEN, NOT_GOLDEN, build_demo_site
from tests.renderer.site_files import read_tree

REGENERATE = "uv run python -m scripts.regenerate_golden"
HOME_BUDGET = 60 * 1024  # bytes of HTML + CSS a first visit to the home page loads


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("golden") / "site"
    build_demo_site(output)
    return output


def test_the_demo_site_matches_the_golden_site(demo_site: Path) -> None:
    assert GOLDEN.is_dir(), f"{GOLDEN} is missing; run {REGENERATE}"
    expected = read_tree(GOLDEN)
    actual = {p: c for p, c in read_tree(demo_site).items() if p.split("/")[0] not in NOT_GOLDEN}
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(p for p in expected.keys() & actual.keys() if expected[p] != actual[p])
    assert (missing, extra, changed) == ([], [], []), (
        f"the demo site differs from {GOLDEN.name}: missing {missing[:5]}, new {extra[:5]}, "
        f"changed {changed[:5]}; if intended, run {REGENERATE}"
    )


def test_the_golden_site_has_every_page_type(demo_site: Path) -> None:
    files = set(read_tree(demo_site))
    for path in (
        "index.html",
        "architecture.html",
        "merge-request.html",
        "deployment.html",
        "monitoring.html",
        "ledger/index.html",
        "ledger/category-deployment.html",
        "ledger/forge-github.html",
        "decisions.html",
        "journal.html",
        "what-it-proves.html",
        "proves/all-deployments.html",
        "repositories.html",
        "feed.xml",
        "feed.json",
        "feeds/architecture.xml",
        "ledger.json",
        "ledger.schema.json",
        "sitemap.xml",
        "robots.txt",
        "card.svg",
        "style.css",
        "search.js",
        "previews/home.png",
        "pagefind/pagefind.js",
        "pagefind/pagefind-entry.json",
    ):
        assert path in files, path
    assert any(p.startswith("systems/") for p in files)
    assert any(p.startswith("ledger/system-") for p in files)
    assert any(p.startswith("ledger/year-") for p in files)
    assert any(p.startswith("items/private-") for p in files)


# What the demo's private repositories hold: it is collected (the demo opts in) and
# rendered redacted, so none of it may appear in any published file.
DEMO_PRIVATE = (
    "billing-ledger",
    "ACME Bank",
    "reconcile invoices",
    "Private cleanup",
    "handbook",
    "escalation rewrite",
)


def test_the_demo_publishes_nothing_of_its_private_repositories(demo_site: Path) -> None:
    tree = read_tree(demo_site)
    for path, content in tree.items():
        if content.startswith(b"\x1f\x8b"):  # the search index is gzip: look inside it
            content = gzip.decompress(content)
        for marker in DEMO_PRIVATE:
            assert marker.encode() not in content, f"{marker!r} leaked into {path}"
        assert not content.startswith(b"SQLite format 3"), f"{path} is a database"
    assert len([p for p in tree if p.startswith("items/private-")]) >= 2


def test_the_home_page_and_its_stylesheet_fit_the_budget(demo_site: Path) -> None:
    size = (demo_site / "index.html").stat().st_size + (demo_site / "style.css").stat().st_size
    assert size <= HOME_BUDGET, f"home page + CSS is {size} bytes; the budget is {HOME_BUDGET}"
