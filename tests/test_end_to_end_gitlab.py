"""One ledger from GitHub and a self-managed GitLab: `evidence build` end to end.

GitHub and GitLab are real local HTTP servers (tests/fakes); the GitLab one is
served under a path prefix (/gitlab/api/v4), as a company instance often is.
PyGithub and python-gitlab run unmodified; assertions are on parsed HTML.
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
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

GITHUB_TOKEN = "ghp_endToEndToken0123456789abcdef"
GITLAB_TOKEN = "glpat-endToEndToken0123456789"
CATEGORIES = ("architecture", "merge-request", "deployment", "monitoring")
# Words of the internal and private GitLab projects, and of a private GitHub repository.
SECRET_WORDS = ("handbook", "Quarterly plan", "payroll", "Salary bands", "XYZZY", "secret-sauce")

# title -> (forge, categories) of every tagged merge request of a public project.
TAGGED = {
    "Split ingestion from rendering": ("github", {"architecture"}),
    "ci: deploy with Helm": ("github", {"deployment"}),
    "Blue/green deploys behind the load balancer": ("gitlab", {"deployment"}),
    "ADR 7: one image through all environments": ("gitlab", {"architecture"}),
    "Alert on replication lag": ("gitlab", {"monitoring"}),
    "Retry transient forge errors": ("gitlab", {"merge-request"}),
}


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    world = GitHubWorld(viewer="dana-dev")
    api = world.add_repo("dana-dev/ledger-api", languages={"Python": 9000})
    api.add_pull(
        title="Split ingestion from rendering", labels=["evidence:architecture"], merged=True
    )
    api.add_pull(title="ci: deploy with Helm", labels=["evidence"], merged=True)
    api.add_pull(title="Routine change", labels=["chore"], merged=True)
    secret = world.add_repo("dana-dev/secret-sauce", private=True)
    secret.add_pull(title="XYZZY", labels=["evidence"], merged=True)
    with FakeGitHub(world, token=GITHUB_TOKEN) as server:
        yield server


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    world = GitLabWorld(viewer="dana")
    world.add_group("platform", members=["dana"])
    infra = world.add_project("platform/infra/terraform", languages={"HCL": 90.0, "Shell": 10.0})
    infra.add_merge_request(
        title="Blue/green deploys behind the load balancer",
        labels=["evidence::deployment"],
        state="merged",
    )
    infra.add_merge_request(
        title="ADR 7: one image through all environments",
        labels=["evidence::architecture", "adr"],
        state="merged",
    )
    infra.add_merge_request(
        title="Alert on replication lag", labels=["evidence:monitoring"], state="merged"
    )
    for number in range(120):  # untagged work: two pages of merge requests, never listed
        infra.add_merge_request(title=f"Routine change {number}", state="merged")
    infra.add_commit("Initial commit")
    infra.add_release("v1.4.0", name="1.4.0")
    tools = world.add_project("platform/tools")
    tools.add_merge_request(
        title="Retry transient forge errors", labels=["evidence"], state="merged", author="sam"
    )
    handbook = world.add_project("platform/handbook", visibility="internal")
    handbook.add_merge_request(title="Quarterly plan", labels=["evidence"], state="merged")
    payroll = world.add_project("platform/payroll", visibility="private")
    payroll.add_merge_request(title="Salary bands", labels=["evidence::deployment"], state="merged")
    payroll.add_release("v9.9.9", name="payroll 9.9.9")
    with FakeGitLab(world, token=GITLAB_TOKEN, prefix="/gitlab") as server:
        yield server


def write_config(folder: Path, github: FakeGitHub, gitlab: FakeGitLab, database_url: str) -> Path:
    github_host = github.api_url.split("://", 1)[1]
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Dana Developer"
base_url = "https://dana.example/evidence/"

[identity]
accounts = ["github:{github_host}/dana-dev", "gitlab:{gitlab.host}/dana"]

[store]
url = "{database_url}"

[[sources]]
forge = "github"
api_url = "{github.api_url}"
users = ["dana-dev"]

[[sources]]
forge = "gitlab"
name = "corp-gitlab"
url = "{gitlab.url}"
groups = ["platform"]

[[systems]]
name = "Ledger"
slug = "ledger"
repos = [
    "github:{github_host}/dana-dev/ledger-api",
    "gitlab:{gitlab.host}/platform/infra/terraform",
]
""",
        encoding="utf-8",
    )
    return path


def build(config: Path, gitlab_token: str = GITLAB_TOKEN) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "build"],
        env={"GITHUB_TOKEN": GITHUB_TOKEN, "GITLAB_TOKEN": gitlab_token},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def listed(site: Path, category: str) -> dict[str, str]:
    """title -> item page path of every entry on a category page."""
    soup = BeautifulSoup((site / f"{category}.html").read_text(encoding="utf-8"), "html.parser")
    return {a.get_text(): str(a["href"]) for a in soup.select("ol.entries a.entry-title")}


def permalinks(site: Path, href: str) -> set[str]:
    page = BeautifulSoup((site / href).read_text(encoding="utf-8"), "html.parser")
    return {str(a["href"]) for a in page.select(".provenance a")}


def test_one_ledger_from_github_and_a_self_managed_gitlab(
    tmp_path: Path, github: FakeGitHub, gitlab: FakeGitLab, database_url: str
) -> None:
    config = write_config(tmp_path, github, gitlab, database_url)
    code, out, err = build(config)
    assert code == ExitCode.OK, err
    site = tmp_path / "output"

    on_pages: dict[str, set[str]] = {}
    for category in CATEGORIES:
        for title in listed(site, category):
            on_pages.setdefault(title, set()).add(category)
    assert on_pages.pop("1.4.0") == {"deployment"}, "the public GitLab release is evidence"
    assert on_pages == {title: categories for title, (_, categories) in TAGGED.items()}

    # Each item links back to its own forge.
    github_pr = listed(site, "architecture")["Split ingestion from rendering"]
    assert f"{github.web_url}/dana-dev/ledger-api/pull/1" in permalinks(site, github_pr)
    gitlab_mr = listed(site, "deployment")["Blue/green deploys behind the load balancer"]
    links = permalinks(site, gitlab_mr)
    assert f"{gitlab.url}/platform/infra/terraform/-/merge_requests/1" in links
    assert f"{gitlab.url}/platform/infra/terraform" in links
    page = BeautifulSoup((site / gitlab_mr).read_text(encoding="utf-8"), "html.parser")
    assert f"GitLab ({gitlab.host})" in page.get_text()
    assert "by Dana Developer (dana)" in page.get_text()
    others = listed(site, "merge-request")["Retry transient forge errors"]
    other_page = (site / others).read_text(encoding="utf-8")
    assert "by sam" in other_page and "Dana Developer (sam)" not in other_page

    # One system, made of a GitHub repository and a GitLab project.
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {str(a["href"]) for a in home.select("#system-ledger a")}
    assert f"{github.web_url}/dana-dev/ledger-api" in hrefs
    assert f"{gitlab.url}/platform/infra/terraform" in hrefs

    # Internal and private projects (and the private GitHub repository) are nowhere.
    for file in site.rglob("*"):
        if file.is_file():
            content = file.read_bytes()
            for word in SECRET_WORDS:
                assert word.encode() not in content, f"{word!r} leaked into {file}"
    with Store.open(database_url, base_dir=tmp_path) as store:
        snapshot = store.snapshot()
    assert {(r.ref.forge, r.ref.path) for r in snapshot.repositories} == {
        ("github", "dana-dev/ledger-api"),
        ("gitlab", "platform/infra/terraform"),
        ("gitlab", "platform/tools"),
    }
    assert "corp-gitlab" in out
    assert all(r.url_path.startswith("/gitlab/api/v4/") for r in gitlab.requests)


def test_a_rejected_gitlab_token_does_not_stop_github(
    tmp_path: Path, github: FakeGitHub, gitlab: FakeGitLab
) -> None:
    config = write_config(tmp_path, github, gitlab, "sqlite:///.evidence/ledger.db")
    wrong = "glpat-revokedToken00000000"

    code, out, err = build(config, gitlab_token=wrong)

    assert code == ExitCode.PARTIAL
    assert (
        f"error: source corp-gitlab: {gitlab.host} rejected the token in GITLAB_TOKEN "
        "(401 Unauthorized)"
    ) in err
    assert wrong not in out + err
    assert "Split ingestion from rendering" in listed(tmp_path / "output", "architecture")
    assert [r.status for r in gitlab.requests] == [401]
