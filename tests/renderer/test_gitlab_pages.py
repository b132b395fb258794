"""GitLab work on the pages: collected from the fake GitLab, rendered with a real config.

Public merge requests link back to GitLab and say so; the owner's own work is
attributed to the owner (``[identity]``); internal and private projects the
owner opted into appear only redacted; hostile GitLab text stays inert.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from config.loader import LoadedConfig, load_config
from evidence import pipeline
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld
from tests.renderer.site_files import foreign_scripts

TOKEN = "glpat-rendererTestToken0123456789"
BUILT_AT = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)
SECRETS = ("handbook", "Handbook: the secret plan", "payroll", "Payroll secret", "XYZZY")
HOSTILE_TITLE = "<script>alert('gl')</script> Deploy <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGitLab]:
    world = GitLabWorld(viewer="dana")
    world.add_group("platform", members=["dana"])
    infra = world.add_project("platform/infra", description="Terraform modules")
    infra.add_merge_request(
        title="Blue/green deploys for the payments API",
        description="Why: deploys dropped requests.\n\n[docs](javascript:alert(1))",
        labels=["evidence::deployment"],
        state="merged",
    )
    infra.add_merge_request(
        title="Alert on queue depth", labels=["evidence"], state="merged", author="sam-sre"
    )
    infra.add_merge_request(title=HOSTILE_TITLE, labels=["evidence::monitoring"], state="merged")
    handbook = world.add_project("platform/handbook", visibility="internal")
    handbook.add_merge_request(
        title="Handbook: the secret plan",
        description="XYZZY",
        labels=["evidence::architecture"],
        state="merged",
        source_branch="payroll-XYZZY",
    )
    payroll = world.add_project("platform/payroll", visibility="private")
    payroll.add_merge_request(title="Payroll secret", labels=["evidence"], state="merged")
    payroll.add_release("v9.9.9", name="payroll 9.9.9")
    with FakeGitLab(world, token=TOKEN, prefix="/gitlab") as server:
        yield server


@pytest.fixture(scope="module")
def site(fake: FakeGitLab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The GitLab world collected and rendered once for the module's tests."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return build(tmp_path_factory.mktemp("gitlab-site"), fake, monkeypatch).output_dir


def build(tmp_path: Path, fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch) -> LoadedConfig:
    config = tmp_path / "evidence.toml"
    config.write_text(
        f"""
[site]
owner = "Dana Developer"
base_url = "https://dana.example/evidence/"

[identity]
accounts = ["gitlab:{fake.host}/dana"]

[[sources]]
forge = "gitlab"
url = "{fake.url}"
groups = ["platform"]
include_internal = true
include_private = true
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    loaded = load_config(config)
    report = pipeline.collect(loaded, clock=lambda: BUILT_AT)
    assert report.status == "complete", report
    pipeline.render(loaded, clock=lambda: BUILT_AT)
    return loaded


def page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def item_pages(site: Path) -> dict[str, BeautifulSoup]:
    """h1 -> parsed item page."""
    pages = {}
    for file in sorted((site / "items").glob("*.html")):
        soup = page(file)
        heading = soup.find("h1")
        assert heading is not None
        pages[heading.get_text()] = soup
    return pages


def facts(soup: BeautifulSoup) -> dict[str, str]:
    return {
        str(div.dt.get_text()): str(div.dd.get_text())
        for div in soup.select(".provenance > div")
        if div.dt is not None and div.dd is not None
    }


def test_gitlab_merge_requests_link_back_to_gitlab_and_credit_the_owner(
    site: Path, fake: FakeGitLab
) -> None:
    pages = item_pages(site)

    owned = pages["Blue/green deploys for the payments API"]
    provenance = facts(owned)
    assert provenance["Forge"] == f"GitLab ({fake.host})"
    assert provenance["Reference"] == "!1"
    links = {str(a["href"]) for a in owned.select(".provenance a")}
    assert f"{fake.url}/platform/infra/-/merge_requests/1" in links
    assert f"{fake.url}/platform/infra" in links
    meta = owned.select_one("header .meta")
    assert meta is not None and "by Dana Developer (dana)" in meta.get_text()
    assert [dd.get_text() for dd in owned.select(".reasons dd")] == [
        "Dana Developer labelled it as Deployment evidence."
    ]

    other = pages["Alert on queue depth"]
    other_meta = other.select_one("header .meta")
    assert other_meta is not None
    assert "by sam-sre" in other_meta.get_text()
    assert "Dana Developer" not in other_meta.get_text()


def test_internal_and_private_projects_appear_only_redacted(site: Path) -> None:

    redacted = [file for file in (site / "items").glob("private-*.html") if file.is_file()]
    assert len(redacted) == 2  # the internal and the private merge request
    for file in site.rglob("*"):
        if file.is_file():
            content = file.read_bytes()
            for word in SECRETS:
                assert word.encode() not in content, f"{word!r} leaked into {file}"


def test_hostile_gitlab_text_is_inert(site: Path) -> None:

    pages = item_pages(site)
    assert HOSTILE_TITLE in pages  # shown as text, exactly as written
    for file in site.rglob("*.html"):
        soup = page(file)
        assert not foreign_scripts(soup)
        assert not soup.find_all("img", onerror=True)
        assert not any(str(a.get("href", "")).startswith("javascript:") for a in soup("a"))
