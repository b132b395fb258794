"""The whole product path: a GitHub-shaped API -> `evidence build` -> store -> published site.

GitHub is a real local HTTP server (tests/fakes); PyGithub runs unmodified; the
store is SQLite and PostgreSQL; assertions are on parsed HTML.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from collector.store import Store
from core.errors import ExitCode
from evidence.cli import cli
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld

TOKEN = "ghp_endToEndToken0123456789abcdef"
SECRET_WORDS = ("secret-sauce", "XYZZY plan", "hidden-branch")

# (repository, title, labels) of every PR the owner tagged in public repositories,
# and the categories each must land in.
TAGGED = {
    "Split ingestion from rendering": ("dana-dev/ledger-api", {"architecture"}),
    "Retry transient forge errors": ("dana-dev/ledger-api", {"merge-request"}),
    "ci: deploy with Helm": ("dana-dev/ledger-api", {"deployment"}),
    "Hotfix for the 429 incident": ("dana-dev/ledger-api", {"monitoring", "deployment"}),
    "Promote one image through all environments": ("acme-corp/platform", {"deployment"}),
}


@pytest.fixture
def world() -> GitHubWorld:
    world = GitHubWorld(viewer="dana-dev")
    world.add_org("acme-corp", members=["dana-dev"])
    api = world.add_repo(
        "dana-dev/ledger-api", description="The ledger API", languages={"Python": 9000}
    )
    api.add_pull(
        title="Split ingestion from rendering", labels=["evidence:architecture"], merged=True
    )
    api.add_pull(title="Retry transient forge errors", labels=["evidence"], merged=True)
    api.add_pull(title="ci: deploy with Helm", labels=["evidence", "infra-team"], merged=True)
    api.add_pull(
        title="Hotfix for the 429 incident",
        labels=["evidence:monitoring", "evidence:deployment"],
        merged=True,
    )
    for number in range(150):  # untagged work: two more pages of pulls, never listed
        api.add_pull(title=f"Routine change {number}", labels=["chore"], merged=number % 2 == 0)
    api.add_release("v1.0.0", name="1.0.0")
    api.add_commit("Initial commit")
    platform = world.add_repo("acme-corp/platform", languages={"HCL": 500})
    platform.add_pull(
        title="Promote one image through all environments",
        labels=["evidence:deployment"],
        merged=True,
    )
    secret = world.add_repo("dana-dev/secret-sauce", private=True)
    secret.add_pull(title="XYZZY plan", labels=["evidence"], head_ref="hidden-branch", merged=True)
    secret.add_release("v9.9.9", name="secret-sauce 9.9.9")
    return world


@pytest.fixture
def fake(world: GitHubWorld) -> Iterator[FakeGitHub]:
    with FakeGitHub(world, token=TOKEN) as server:
        yield server


def write_config(folder: Path, api_url: str, database_url: str) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Dana Developer"
base_url = "https://dana.example/evidence/"

[store]
url = "{database_url}"

[[sources]]
forge = "github"
api_url = "{api_url}"
users = ["dana-dev"]
orgs = ["acme-corp"]

[[systems]]
name = "Ledger"
slug = "ledger"
repos = ["github:dana-dev/ledger-api", "github:dana-dev/secret-sauce"]
""",
        encoding="utf-8",
    )
    return path


def build(config: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["--config", str(config), "build"], env={"GITHUB_TOKEN": TOKEN}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def listed(site: Path, category: str) -> dict[str, str]:
    """title -> item page path of every entry on a category page."""
    soup = BeautifulSoup((site / f"{category}.html").read_text(encoding="utf-8"), "html.parser")
    return {a.get_text(): str(a["href"]) for a in soup.select("ol.entries a.entry-title")}


def test_build_lists_exactly_the_tagged_public_pull_requests(
    tmp_path: Path, fake: FakeGitHub, database_url: str
) -> None:
    config = write_config(tmp_path, fake.api_url, database_url)
    code, out, err = build(config)
    assert code == ExitCode.OK, err
    site = tmp_path / "output"

    pulls_on_pages: dict[str, set[str]] = {}
    for category in ("architecture", "merge-request", "deployment", "monitoring"):
        for title in listed(site, category):
            pulls_on_pages.setdefault(title, set()).add(category)
    releases = {title for title in pulls_on_pages if title == "1.0.0"}
    assert releases == {"1.0.0"}, "the public release is deployment evidence"
    del pulls_on_pages["1.0.0"]
    assert pulls_on_pages == {title: categories for title, (_, categories) in TAGGED.items()}

    # Each item page says why it is there and links back to the real pull request.
    href = listed(site, "architecture")["Split ingestion from rendering"]
    page = BeautifulSoup((site / href).read_text(encoding="utf-8"), "html.parser")
    assert [dd.get_text() for dd in page.select(".reasons dd")] == ["label 'evidence:architecture'"]
    permalinks = {str(a["href"]) for a in page.select(".provenance a")}
    assert f"{fake.web_url}/dana-dev/ledger-api/pull/1" in permalinks

    # The private repository is nowhere: not in any output file, not even redacted.
    for file in site.rglob("*"):
        if file.is_file():
            content = file.read_bytes()
            for word in SECRET_WORDS:
                assert word.encode() not in content, f"{word!r} leaked into {file}"
    with Store.open(database_url, base_dir=tmp_path) as store:
        snapshot = store.snapshot()
    assert {r.ref.path for r in snapshot.repositories} == {
        "dana-dev/ledger-api",
        "acme-corp/platform",
    }
    source_name = fake.api_url.split("://", 1)[1]  # a non-default API host names the source
    assert source_name in out and "Site written to" in out


def test_collecting_twice_changes_nothing_and_reports_no_new_items(
    tmp_path: Path, fake: FakeGitHub, database_url: str
) -> None:
    config = write_config(tmp_path, fake.api_url, database_url)
    assert build(config)[0] == ExitCode.OK
    with Store.open(database_url, base_dir=tmp_path) as store:
        first = store.snapshot()
    first_page = (tmp_path / "output" / "architecture.html").read_bytes()

    assert build(config)[0] == ExitCode.OK
    with Store.open(database_url, base_dir=tmp_path) as store:
        second = store.snapshot()
        runs = store.last_runs(2)
    assert [s.item for s in second.items] == [s.item for s in first.items]
    # ledger-api: 4 tagged + 150 routine pulls, 1 release, 1 commit; platform: 1 pull
    assert len(second.items) == 4 + 150 + 1 + 1 + 1
    newest = runs[0].summary["sources"][0]
    assert (newest["new"], newest["updated"]) == (0, 0)
    assert (tmp_path / "output" / "architecture.html").read_bytes() == first_page


def test_a_rejected_token_fails_the_source_and_keeps_the_last_good_site(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    config = write_config(tmp_path, fake.api_url, "sqlite:///.evidence/ledger.db")
    assert build(config)[0] == ExitCode.OK
    before = {
        p: p.read_bytes() for p in (tmp_path / "output").rglob("*.html") if p.name != "index.html"
    }

    result = CliRunner().invoke(
        cli, ["--config", str(config), "build"], env={"GITHUB_TOKEN": "ghp_wrongToken0000000000"}
    )
    assert result.exit_code == ExitCode.NOTHING_COLLECTED
    assert "rejected the token in GITHUB_TOKEN" in result.stderr
    assert "ghp_wrongToken" not in result.stdout + result.stderr
    after = {
        p: p.read_bytes() for p in (tmp_path / "output").rglob("*.html") if p.name != "index.html"
    }
    assert after == before
