"""GitLab sources and owner identity in ``evidence.toml``: defaults, one line per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import load_config, parse_config
from config.models import GitHubSource, GitLabSource, IdentityConfig
from core.errors import ConfigError

SITE = '[site]\nowner = "Dana Developer"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="evidence.toml")
    return caught.value.lines()


def test_a_gitlab_source_beside_a_github_one() -> None:
    config = parse_config(
        SITE
        + """
[[sources]]
forge = "github"
users = ["dana-dev"]

[[sources]]
forge = "gitlab"
url = "https://git.example.com/gitlab/"
groups = ["platform/infra"]
projects = ["tools/cli", 4242]
"""
    )
    github, gitlab = config.sources
    assert isinstance(github, GitHubSource) and isinstance(gitlab, GitLabSource)
    assert gitlab.url == "https://git.example.com/gitlab"
    assert gitlab.host == gitlab.source_name == "git.example.com/gitlab"
    assert gitlab.api_url == "https://git.example.com/gitlab/api/v4"
    assert gitlab.projects == ("tools/cli", "4242")  # an id may be written bare
    assert gitlab.token_env == "GITLAB_TOKEN"
    assert (gitlab.include_private, gitlab.include_internal) == (False, False)
    assert (gitlab.verify_tls, gitlab.ca_bundle, gitlab.page_size) == (True, None, 100)


def test_gitlab_com_is_the_default_instance() -> None:
    config = parse_config(SITE + '[[sources]]\nforge = "gitlab"\nusers = ["dana"]\n')
    (source,) = config.sources
    assert isinstance(source, GitLabSource)
    assert (source.url, source.host, source.source_name) == (
        "https://gitlab.com",
        "gitlab.com",
        "gitlab.com",
    )


def test_an_unknown_or_missing_forge_is_one_line_naming_both() -> None:
    assert problems(SITE + '[[sources]]\nforge = "bitbucket"\nusers = ["x"]\n') == [
        "evidence.toml: sources[0].forge: unknown forge 'bitbucket'; expected one of: "
        "github, gitlab"
    ]
    assert problems(SITE + '[[sources]]\nusers = ["x"]\n') == [
        "evidence.toml: sources[0].forge: required key is missing; expected one of: github, gitlab"
    ]


def test_gitlab_mistakes_are_reported_with_gitlab_keys() -> None:
    lines = problems(
        SITE
        + """
[[sources]]
forge = "gitlab"
url = "https://git.example.com/api/v4"
groups = ["platform//infra"]
projects = [0]
orgs = ["acme"]
page_size = 500
"""
    )
    assert lines[0] == (
        "evidence.toml: sources[0].url: give the instance's web address, without /api/v4 "
        "('https://git.example.com/api/v4')"
    )
    assert lines[1] == (
        "evidence.toml: sources[0].groups[0]: 'platform//infra' is not valid; expected a "
        "group's full path, e.g. 'platform' or 'platform/infra'"
    )
    assert lines[2].startswith("evidence.toml: sources[0].projects[0]: '0' is not valid;")
    assert lines[3].startswith("evidence.toml: sources[0].page_size: ")
    assert lines[4].startswith(
        "evidence.toml: sources[0].orgs: unknown key; expected one of: ca_bundle, forge, groups,"
    )
    assert len(lines) == 5


def test_scope_and_tls_settings_are_checked() -> None:
    assert problems(SITE + '[[sources]]\nforge = "gitlab"\n') == [
        "evidence.toml: sources[0]: give at least one of groups, users or projects"
    ]
    lines = problems(
        SITE
        + '[[sources]]\nforge = "gitlab"\nusers = ["d"]\nca_bundle = "ca.pem"\n'
        + "verify_tls = false\n"
    )
    assert lines == [
        "evidence.toml: sources[0]: ca_bundle and verify_tls = false contradict each other; "
        "keep one"
    ]


def test_ca_bundle_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "corp-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    path = tmp_path / "evidence.toml"
    source = '[[sources]]\nforge = "gitlab"\nusers = ["d"]\nca_bundle = "{}"\n'
    path.write_text(SITE + source.format("certs/corp-ca.pem"), encoding="utf-8")

    (gitlab,) = load_config(path).config.sources
    assert isinstance(gitlab, GitLabSource)
    assert gitlab.ca_bundle == (tmp_path / "certs" / "corp-ca.pem").resolve()

    path.write_text(SITE + source.format("certs/missing.pem"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.lines() == [
        f"{path.resolve()}: sources[0].ca_bundle: {(tmp_path / 'certs' / 'missing.pem')} "
        "is not a file; give the PEM file of your instance's certificate authority"
    ]


def test_systems_may_name_self_managed_projects_on_a_port() -> None:
    config = parse_config(
        SITE
        + """
[[systems]]
name = "Ledger"
slug = "ledger"
repos = ["github:dana-dev/ledger", "gitlab:git.example.com:8443/platform/infra"]
"""
    )
    assert config.systems[0].repos[1] == "gitlab:git.example.com:8443/platform/infra"


def test_identity_accounts_match_case_insensitively_per_instance() -> None:
    config = parse_config(
        SITE
        + """
[identity]
accounts = ["github:Dana-Dev", "gitlab:dana", "gitlab:git.example.com:8443/gitlab/dana.d"]
"""
    )
    identity = config.identity
    assert identity.owns("github", "github.com", "dana-dev")
    assert identity.owns("gitlab", "gitlab.com", "DANA")
    assert identity.owns("gitlab", "git.example.com:8443/gitlab", "Dana.D")
    assert not identity.owns("gitlab", "git.example.com:8443/gitlab", "dana")
    assert not identity.owns("github", "ghe.example.com", "dana-dev")
    assert not IdentityConfig().owns("github", "github.com", "dana-dev")


def test_an_account_without_a_forge_is_one_line() -> None:
    assert problems(SITE + '[identity]\naccounts = ["dana"]\n') == [
        "evidence.toml: identity.accounts[0]: 'dana' is not valid; expected forge:username, "
        "e.g. 'github:dana-dev' or 'gitlab:git.example.com/dana.d'"
    ]
