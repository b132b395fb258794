"""The manual cannot drift from the code: generated blocks current, commands and settings
documented, the MkDocs site builds strictly and offline, the README stays a front page."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from config.models import EvidenceConfig
from evidence.cli import cli
from evidence.docs import BLOCKS, DOCS, markers

ROOT = DOCS.parent
README = ROOT / "README.md"
README_LIMIT = 150


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_generated_blocks_are_current(block: str) -> None:
    path, render = BLOCKS[block]
    begin, end = markers(block)
    assert f"{begin}\n{render()}\n{end}" in path.read_text(encoding="utf-8"), (
        f"{path.name} block {block} is stale: run `uv run python -m evidence.docs --write`"
    )


def test_every_config_section_is_in_the_reference() -> None:
    reference = page("configuration.md")
    for name in EvidenceConfig.model_fields:
        assert re.search(rf"`\[?\[?{name}\]?\]?[`.]", reference), name


def test_every_command_is_documented() -> None:
    commands = page("getting-started.md")
    for command in cli.commands:
        assert re.search(rf"`evidence {command}\b", commands), f"{command} is not documented"


def test_the_readme_is_a_front_page() -> None:
    readme = README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_LIMIT, "the manual belongs in docs/"
    # The two quick-start commands, the install, the screenshot and the way into the docs.
    assert "uv run evidence demo" in readme and "uv tool install" in readme
    assert "docs/assets/demo-home.png" in readme and "docs/getting-started.md" in readme


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == "uv run pytest"
    assert re.search(r"^uv run pytest\s", README.read_text(encoding="utf-8"), re.MULTILINE)


def test_the_readme_links_resolve() -> None:
    readme = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert local, "the README should link into docs/"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == []


def test_the_manual_builds_strictly_and_offline(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        if os.environ.get("CI"):
            pytest.fail("mkdocs is missing: `uv sync --all-groups` installs the docs group")
        pytest.skip("mkdocs is not installed (uv sync --all-groups)")
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(list(DOCS.glob("*.md")))
    for html in pages:
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        fetched = [tag.get("src") for tag in soup.find_all(["script", "img", "iframe"])]
        fetched += [tag.get("href") for tag in soup.find_all("link")]
        remote = [str(url) for url in fetched if url and re.match(r"(https?:)?//", str(url))]
        assert remote == [], f"{html.relative_to(site)} fetches {remote}"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "assets/demo-home.png" in home
