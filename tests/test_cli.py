"""The command line as a scheduler and an owner meet it: exit codes, one-line errors, help."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner

import renderer.writer
from config.loader import load_config
from core.errors import ExitCode
from core.redaction import register_secret
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
    assert code == int(ExitCode.CONFIG) == 2
    assert err == f"error: {target} already exists; pass --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(
    "command", ["init", "collect", "render", "build", "demo", "status", "schedule"]
)
def test_every_command_has_help_and_is_documented(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Usage:" in out
    commands = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert re.search(rf"`evidence {command}\b", commands), f"{command} is not documented"


def break_rendering(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def write_page(*_args: object) -> None:
        raise error

    monkeypatch.setattr(renderer.writer, "write_page", write_page)


def test_a_bug_exits_1_with_one_redacted_line_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_secret("ghp_leakedInABug0123456789")
    break_rendering(monkeypatch, TypeError("cannot add ghp_leakedInABug0123456789 and None"))
    code, out, err = run("demo", "-o", str(tmp_path / "site"))
    assert code == int(ExitCode.FAILURE) == 1
    assert err.strip().splitlines() == [
        "error: unexpected error (a bug): TypeError: cannot add *** and None; "
        "rerun with --debug for the traceback"
    ]
    assert "Traceback" not in out + err
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_bug_under_debug_shows_the_redacted_traceback_and_still_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    register_secret("ghp_leakedInABug0123456789")
    break_rendering(monkeypatch, TypeError("cannot add ghp_leakedInABug0123456789 and None"))
    args = ["demo", "-o", str(tmp_path / "site")]
    code, _, err = run(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert code == 1
    assert "Traceback (most recent call last)" in err and "in write_page" in err
    assert "unexpected error (a bug): TypeError: cannot add *** and None" in err
    assert "ghp_leakedInABug" not in err


@pytest.mark.parametrize(
    "error",
    [
        jinja2.TemplateSyntaxError("unexpected '}'", lineno=3, name="item.html"),
        OSError(28, "No space left on device", "/srv/site.tmp-0/index.html"),
    ],
)
def test_a_template_or_disk_failure_exits_6(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    break_rendering(monkeypatch, error)
    code, _, err = run("demo", "-o", str(tmp_path / "site"))
    assert code == int(ExitCode.RENDER) == 6
    [line] = err.strip().splitlines()
    assert line.startswith("error: could not ")


def write_bad_config(folder: Path) -> Path:
    path = folder / "mine.toml"
    path.write_text('[site]\nowner = "Dana"\nbase_url = "nope"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["collect", "render", "build", "status", "explain x#1"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_config_is_taken_before_or_after_the_command(
    tmp_path: Path, command: str, where: str
) -> None:
    config = ["--config", str(write_bad_config(tmp_path))]
    words = command.split()
    args = [*config, *words] if where == "before" else [*words, *config]
    code, _, err = run(*args)
    assert code == int(ExitCode.CONFIG), err
    assert err == f"error: {tmp_path / 'mine.toml'}: site.base_url: expected an http(s) URL " + (
        "such as https://dana.dev/evidence/\n"
    )


def test_the_option_after_the_command_wins(tmp_path: Path) -> None:
    code, _, err = run("-c", "nowhere.toml", "render", "-c", str(write_bad_config(tmp_path)))
    assert code == int(ExitCode.CONFIG) and "site.base_url" in err and "nowhere" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--log-format", "json", "render"],
        ["render", "--log-format", "json"],
        ["render", "-v", "--log-format=json"],
    ],
)
def test_log_options_are_taken_after_the_command(tmp_path: Path, args: list[str]) -> None:
    code, _, err = run("-c", str(write_bad_config(tmp_path)), *args)
    assert code == int(ExitCode.CONFIG)
    [entry] = [json.loads(line) for line in err.splitlines()]
    assert entry["level"] == "error" and "site.base_url" in entry["message"]


def test_debug_after_the_command_shows_debug_lines(tmp_path: Path) -> None:
    config = tmp_path / "evidence.toml"
    config.write_text('[site]\nowner = "Dana"\n', encoding="utf-8")
    quiet = run("-c", str(config), "render")
    loud = run("render", "-c", str(config), "--debug")
    assert quiet[0] == loud[0] == 0
    assert quiet[2] == "" and " INFO alembic." in loud[2]  # quiet without --debug


@pytest.mark.parametrize("command", ["init", "collect", "render", "build", "demo", "status"])
def test_every_command_lists_the_global_options(command: str) -> None:
    _, out, _ = run(command, "--help")
    for option in ("--config", "--verbose", "--debug", "--log-format"):
        assert option in out, (command, option)
