from __future__ import annotations

import logging
from pathlib import Path

import pytest

from config.loader import load_config, parse_config
from config.models import EvidenceConfig
from config.secrets import read_tokens
from core.errors import ConfigError, ExitCode
from core.redaction import RedactSecrets

MINIMAL = """
[site]
owner = "Dana Developer"

[[sources]]
forge = "github"
users = ["dana-dev"]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="evidence.toml")
    assert caught.value.exit_code is ExitCode.CONFIG
    return caught.value.lines()


def test_minimal_config_gets_documented_defaults() -> None:
    config = parse_config(MINIMAL)
    assert config.store.url == "sqlite:///.evidence/ledger.db"
    assert config.sources[0].api_url == "https://api.github.com"
    assert config.sources[0].host == "github.com"
    assert config.sources[0].source_name == "github.com"
    assert config.sources[0].include_private is False
    assert config.sources[0].include_forks is False
    assert config.tags.prefix == "evidence"
    assert config.site.base_url == "http://localhost:8000/"


def test_three_mistakes_give_three_lines_with_dotted_keys() -> None:
    lines = problems(
        """
[site]
owner = "Dana"
base_url = "ftp://example.com"

[[sources]]
forge = "github"
users = "dana-dev"

[[systems]]
name = "OCM Brain"
slug = "OCM Brain"
"""
    )
    assert lines == [
        "evidence.toml: site.base_url: expected an http(s) URL such as https://dana.dev/evidence/",
        'evidence.toml: sources[0].users: expected a list, e.g. ["a", "b"] (got \'dana-dev\')',
        "evidence.toml: systems[0].slug: 'OCM Brain' is not valid; expected lowercase letters,"
        " digits and single dashes, e.g. 'ocm-brain'",
    ]


def test_unknown_keys_are_errors_that_list_the_known_ones() -> None:
    lines = problems(MINIMAL + 'colour = "red"\n[site2]\nx = 1\n')
    assert any(
        line.startswith("evidence.toml: sources[0].colour: unknown key; expected one of: api_url,")
        for line in lines
    )
    top = next(x for x in lines if "site2: unknown key" in x)
    assert top.startswith("evidence.toml: site2: unknown key; expected one of: ")
    assert {"site", "sources", "store", "output", "systems", "rules"} <= set(
        top.split("expected one of: ")[1].split(", ")
    )


def test_a_token_pasted_into_the_file_is_never_echoed() -> None:
    secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    lines = problems(MINIMAL + f'token = "{secret}"\n')
    assert lines == [
        "evidence.toml: sources[0].token: tokens never go in the config file; set token_env to"
        " the name of the environment variable that holds the token"
    ]
    lines = problems(
        MINIMAL.replace('forge = "github"', f'forge = "github"\ntoken_env = "{secret}"')
    )
    assert len(lines) == 1 and "sources[0].token_env" in lines[0]
    assert secret not in lines[0]


def test_missing_required_and_wrong_types() -> None:
    lines = problems('[site]\nrole = 3\n[[sources]]\nforge = "bitbucket"\nusers = ["x"]\n')
    assert "evidence.toml: site.owner: required key is missing" in lines
    assert "evidence.toml: site.role: expected text in quotes (got 3)" in lines
    assert (
        "evidence.toml: sources[0].forge: unknown forge 'bitbucket'; expected one of: "
        "github, gitlab"
    ) in lines


def test_scope_and_duplicates_are_checked() -> None:
    lines = problems(
        MINIMAL
        + '\n[[sources]]\nforge = "github"\n'
        + '\n[[systems]]\nname = "A"\nslug = "a"\n[[systems]]\nname = "B"\nslug = "a"\n'
    )
    assert "evidence.toml: sources[1]: give at least one of users, orgs or repos" in lines
    lines = problems(MINIMAL + '[[sources]]\nforge = "github"\norgs = ["x"]\n')
    assert lines == [
        "evidence.toml: (top level): two sources are named 'github.com'; give each a distinct name"
    ]


def test_toml_syntax_error_is_one_line_with_position() -> None:
    lines = problems('[site]\nowner = "Dana\n')
    assert len(lines) == 1
    assert lines[0].startswith("evidence.toml: is not valid TOML:") and "line 2" in lines[0]


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "evidence.toml")
    assert "evidence init" in caught.value.lines()[0]


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    path = tmp_path / "site" / "evidence.toml"
    path.write_text(MINIMAL + '\n[output]\ndir = "public"\n', encoding="utf-8")
    loaded = load_config(path)
    assert loaded.base_dir == (tmp_path / "site").resolve()
    assert loaded.output_dir == (tmp_path / "site" / "public").resolve()


def test_github_enterprise_host_comes_from_the_api_url() -> None:
    config = parse_config(
        MINIMAL.replace(
            'forge = "github"', 'forge = "github"\napi_url = "https://ghe.acme.io/api/v3/"'
        )
    )
    assert config.sources[0].api_url == "https://ghe.acme.io/api/v3"
    assert config.sources[0].host == "ghe.acme.io"


def test_missing_tokens_are_all_named(caplog: pytest.LogCaptureFixture) -> None:
    config = parse_config(
        MINIMAL
        + '[[sources]]\nforge = "github"\nname = "ghe"\ntoken_env = "GHE_TOKEN"\norgs = ["p"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        read_tokens(config.sources, environ={})
    lines = caught.value.lines()
    assert len(lines) == 2
    assert "environment variable GITHUB_TOKEN is not set" in lines[0]
    assert "environment variable GHE_TOKEN is not set" in lines[1]
    tokens = read_tokens(
        config.sources, environ={"GITHUB_TOKEN": "tok-one-123", "GHE_TOKEN": "tok-two-456"}
    )
    assert tokens == {"github.com": "tok-one-123", "ghe": "tok-two-456"}


def test_known_tokens_are_redacted_from_log_lines() -> None:
    config = parse_config(MINIMAL)
    read_tokens(config.sources, environ={"GITHUB_TOKEN": "ghp_SECRETVALUE42"})
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "auth %s failed", ("ghp_SECRETVALUE42",), None
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "auth *** failed"


def test_starter_file_is_valid() -> None:
    text = (Path(__file__).resolve().parents[2] / "config" / "starter.toml").read_text(
        encoding="utf-8"
    )
    config = parse_config(text)
    assert isinstance(config, EvidenceConfig)
    assert config.sources[0].token_env == "GITHUB_TOKEN"
