"""The Dockerfile: linted by hadolint, shaped as promised, and its build steps run here.

There is no Docker engine on a test machine, so the image is not built; instead the
build stage's own `uv sync` commands run against a copy of exactly what
.dockerignore lets into the build context, and the result must run `evidence`.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, tool

DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    stage: int  # 0 for the first FROM
    keyword: str
    argument: str


def instructions(text: str) -> list[Instruction]:
    """Dockerfile instructions, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    found: list[Instruction] = []
    stage = -1
    for line in joined.splitlines():
        if not line.strip():
            continue
        keyword, _, argument = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        found.append(Instruction(stage, keyword.upper(), " ".join(argument.split())))
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [str(tool("hadolint")), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_really_lints(tmp_path: Path) -> None:
    """The check above can fail: a careless Dockerfile does not pass."""
    careless = tmp_path / "Dockerfile"
    careless.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y git\n"
        "RUN pip install evidence-ledger\nUSER root\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(tool("hadolint")), "--no-color", str(careless)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3013", "DL3002"):
        assert rule in result.stdout


def test_final_image_is_slim_non_root_and_runs_evidence() -> None:
    steps = instructions(DOCKERFILE.read_text(encoding="utf-8"))
    final = max(step.stage for step in steps)
    last = [step for step in steps if step.stage == final]
    base = last[0].argument
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", base), base
    users = [step.argument for step in last if step.keyword == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1])  # numeric, not root
    assert [step.argument for step in last if step.keyword == "ENTRYPOINT"] == ['["evidence"]']
    assert '["/data"]' in [step.argument for step in last if step.keyword == "VOLUME"]
    copied = [step.argument for step in last if step.keyword == "COPY"]
    assert copied == ["--from=build /opt/evidence /opt/evidence"]  # the venv, nothing else
    syncs = [step.argument for step in steps if step.argument.startswith("uv sync")]
    assert syncs and all("--locked" in sync and "--no-dev" in sync for sync in syncs)


def context_files() -> set[str]:
    """Repository files .dockerignore lets into the build context (its allow-list form)."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    kept: set[str] = set()
    for name in listed:
        keep = True
        for pattern in patterns:  # last match wins, as in Docker
            negate = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/")
            candidates = [
                name,
                *(str(parent) for parent in Path(name).parents if str(parent) != "."),
            ]
            if any(
                fnmatch.fnmatch(candidate, bare)
                or fnmatch.fnmatch(candidate, bare.replace("**/", ""))
                for candidate in candidates
            ):
                keep = negate
        if keep and (ROOT / name).is_file():
            kept.add(name)
    return kept


def test_build_context_holds_the_package_and_never_state_tests_or_secrets() -> None:
    kept = context_files()
    assert {"pyproject.toml", "uv.lock", "README.md", "evidence/cli.py"} <= kept
    assert any(name.startswith("renderer/templates/") for name in kept)
    forbidden = ("tests/", ".evidence/", "output/", ".git/", ".venv/", "deploy/", ".env")
    assert not [name for name in kept if name.startswith(forbidden)]


def test_the_build_stage_commands_install_a_working_evidence(tmp_path: Path) -> None:
    """Run the build stage's COPY and `uv sync` steps as written, minus Docker."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    steps = [
        step for step in instructions(DOCKERFILE.read_text(encoding="utf-8")) if step.stage == 1
    ]
    env = dict(os.environ)
    for step in steps:
        if step.keyword == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", step.argument)))
    venv = tmp_path / "venv"
    assert env.pop("UV_PROJECT_ENVIRONMENT") == "/opt/evidence"
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    env["UV_COMPILE_BYTECODE"] = "0"  # a start-up speed-up in the image; only slow here
    env.pop("VIRTUAL_ENV", None)
    source = tmp_path / "src"
    source.mkdir()
    kept = context_files()
    ran = []
    for step in steps:
        if step.keyword == "COPY" and not step.argument.startswith("--from"):
            *sources, _target = step.argument.split()
            for name in sources:
                for file in kept:
                    if file == name or file.startswith(name.rstrip("/") + "/"):
                        (source / file).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(ROOT / file, source / file)
        elif step.keyword == "RUN" and step.argument.startswith("uv sync"):
            command = [uv, *step.argument.split()[1:]]
            result = subprocess.run(
                command, cwd=source, env=env, capture_output=True, text=True, check=False
            )
            assert result.returncode == 0, f"{step.argument}:\n{result.stderr}"
            ran.append(step.argument)
    assert len(ran) == 2
    installed = {path.name for path in (venv / "bin").iterdir()}
    assert "evidence" in installed
    assert not {"pytest", "hadolint", "mypy", "ruff"} & installed  # no dev tools
    site = tmp_path / "site"
    demo = subprocess.run(
        [str(venv / "bin" / "evidence"), "demo", "-o", str(site)],
        cwd=tmp_path,  # not the source tree: the installed wheel must carry its templates
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
    )
    assert demo.returncode == 0, demo.stderr
    assert (site / "index.html").is_file()
