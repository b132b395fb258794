"""The command line as a scheduler and an owner meet it: exit codes, one-line errors, help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from config.loader import load_config
from core.errors import ExitCode
from evidence.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_three_config_mistakes_print_three_lines_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "evidence.toml"
    path.write_text(
        '[site]\nowner = "Dana"\nbase_url = "nope"\n'
        '[[sources]]\nforge = "github"\nusers = ["dana"]\ninclude_forks = "yes please"\n'
        '[[systems]]\nname = "X"\nslug = "x"\nrepos = ["dana/x"]\n',
        encoding="utf-8",
    )
    code, out, err = run("--config", str(path), "render")
    assert code == int(ExitCode.CONFIG) == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3, err
    assert all(line.startswith(f"error: {path}: ") for line in lines)
    assert [line.split(": ")[2] for line in lines] == [
        "site.base_url",
        "sources[0].include_forks",
        "systems[0].repos[0]",
    ]
    assert "Traceback" not in err + out


def test_missing_token_names_the_variable_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "evidence.toml"
    path.write_text(
        '[site]\nowner = "Dana"\n'
        '[[sources]]\nforge = "github"\ntoken_env = "MY_GH_TOKEN"\nusers = ["d"]\n',
        encoding="utf-8",
    )
    code, _, err = run("--config", str(path), "collect", env={"MY_GH_TOKEN": ""})
    assert code == ExitCode.CONFIG
    assert "environment variable MY_GH_TOKEN is not set" in err


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "evidence.toml"
    code, out, _ = run("init", str(target))
    assert code == 0 and "evidence build" in out
    assert load_config(target).config.site.owner == "Your Name"
    target.write_text("# mine\n", encoding="utf-8")
    code, _, err = run("init", str(target))
    assert code != 0 and "already exists" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(
    "command", ["init", "collect", "render", "build", "demo", "status", "schedule"]
)
def test_every_command_has_help_and_is_documented(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Usage:" in out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`evidence {command}\b", readme), f"README does not document {command}"
