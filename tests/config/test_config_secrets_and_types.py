"""A credential pasted into a URL, or a string where TOML has a real type, is exit 2.

Through the command line, as an owner meets it: one line naming the key, what
to do, and never the pasted value (it would reach the terminal, CI logs and
whoever reads them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, get_args

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, TypeAdapter, ValidationError

from config.models import EvidenceConfig
from core.errors import ExitCode
from evidence.cli import cli

SECRET = "glpat-PastedByMistake0123456789"

GITLAB = '[[sources]]\nforge = "gitlab"\ngroups = ["platform"]\n'
GITHUB = '[[sources]]\nforge = "github"\nusers = ["dana"]\n'


def build(tmp_path: Path, toml: str) -> tuple[int, str]:
    path = tmp_path / "evidence.toml"
    path.write_text('[site]\nowner = "Dana"\n' + toml, encoding="utf-8")
    env = {"GITHUB_TOKEN": "ghp_x" * 8, "GITLAB_TOKEN": "glpat-" + "y" * 20}
    result = CliRunner().invoke(cli, ["--config", str(path), "build"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("toml", "key", "advice"),
    [
        (
            GITLAB + f'url = "http://oauth2:{SECRET}@git.example.com"\n',
            "sources[0].url",
            "token_env",
        ),
        (GITLAB + f'url = "https://{SECRET}@gitlab.com"\n', "sources[0].url", "token_env"),
        (
            GITHUB + f'api_url = "https://x-access-token:{SECRET}@ghe.example.com/api/v3"\n',
            "sources[0].api_url",
            "token_env",
        ),
        (
            GITLAB + f'[store]\nurl = "postgresql+psycopg://evidence:{SECRET}@db/evidence"\n',
            "store.url",
            "url_env",
        ),
        (GITHUB + f'[site]\nowner = "Dana"\nbase_url = "https://u:{SECRET}@dana.dev/"\n', "", ""),
    ],
)
def test_a_credential_in_a_configured_url_is_exit_2_and_never_echoed(
    tmp_path: Path, toml: str, key: str, advice: str
) -> None:
    if not key:  # two [site] tables would be a TOML error: put the URL in the first one
        toml = GITHUB
        path_text = f'base_url = "https://u:{SECRET}@dana.dev/"\n'
        key, advice = "site.base_url", "remove them"
        code, output = build(tmp_path, path_text + toml)
    else:
        code, output = build(tmp_path, toml)

    assert code == ExitCode.CONFIG
    assert SECRET not in output and "oauth2" not in output
    (line,) = [line for line in output.splitlines() if f": {key}: " in line]
    assert "(not shown)" in line and advice in line
    assert not (tmp_path / ".evidence").exists()  # nothing was stored, nothing published


def test_a_password_in_the_store_url_from_url_env_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "evidence.toml"
    path.write_text(
        '[site]\nowner = "Dana"\n[store]\nurl_env = "EVIDENCE_STORE_URL"\n', encoding="utf-8"
    )
    url = f"postgresql+psycopg://evidence:{SECRET}@127.0.0.1:1/evidence"
    result = CliRunner().invoke(
        cli, ["--config", str(path), "status"], env={"EVIDENCE_STORE_URL": url}
    )
    output = result.stdout + result.stderr
    assert result.exit_code == ExitCode.STORE  # the config is accepted; port 1 has no server
    assert SECRET not in output


@pytest.mark.parametrize(
    ("setting", "key", "expected"),
    [
        ('include_private = "yes"', "sources[0].include_private", "expected true or false"),
        ("include_forks = 1", "sources[0].include_forks", "expected true or false"),
        ('page_size = "50"', "sources[0].page_size", "expected a whole number"),
        ('timeout = "30"', "sources[0].timeout", "expected a number"),
    ],
)
def test_a_string_for_a_boolean_or_number_of_a_source_is_exit_2(
    tmp_path: Path, setting: str, key: str, expected: str
) -> None:
    code, output = build(tmp_path, GITLAB + setting + "\n")

    assert code == ExitCode.CONFIG
    (line,) = [line for line in output.splitlines() if f": {key}: " in line]
    assert expected in line


@pytest.mark.parametrize(
    ("table", "setting", "key"),
    [
        ("collect", 'retries = "2"', "collect.retries"),
        ("collect", "timeout = 2.5", "collect.timeout"),
        ("surface", 'releases = "false"', "surface.releases"),
    ],
)
def test_a_string_for_a_boolean_or_number_elsewhere_is_exit_2(
    tmp_path: Path, table: str, setting: str, key: str
) -> None:
    code, output = build(tmp_path, GITHUB + f"[{table}]\n{setting}\n")

    assert code == ExitCode.CONFIG
    assert [line for line in output.splitlines() if f": {key}: " in line]


def test_every_boolean_and_number_setting_is_strict() -> None:
    """A new bool/int/float field must be strict too: "1" or "yes" is never coerced."""
    seen: set[type[BaseModel]] = set()
    checked: list[str] = []
    lax: list[str] = []

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            types = _types_in(field.annotation)
            for inner in types:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    walk(inner)
            if not any(inner in (bool, int, float) for inner in types):
                continue
            checked.append(name)
            adapter: TypeAdapter[object] = TypeAdapter(
                Annotated[(field.annotation, *field.metadata)]  # type: ignore[arg-type]
            )
            try:
                adapter.validate_python("1")
            except ValidationError:
                continue
            lax.append(f"{model.__name__}.{name}")

    walk(EvidenceConfig)
    assert len(checked) >= 15
    assert lax == []


def _types_in(annotation: object) -> list[object]:
    args = get_args(annotation)
    return [annotation, *(inner for arg in args for inner in _types_in(arg))]
