"""The project as a user installs it: from a clean checkout, outside the clone.

Both tests work on a copy of what git would check out (tracked files and new
ones not ignored), so a generated site, a store or node_modules in the working
tree cannot make them pass or fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv")

pytestmark = pytest.mark.skipif(UV is None, reason="needs uv, which runs the test suite")


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files a clean clone has (plus new, not yet committed ones), copied."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    target = tmp_path_factory.mktemp("checkout") / "evidence-ledger"
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():  # a deleted, not yet committed file is still listed
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_the_sdist_holds_no_generated_site_store_or_packages(
    checkout: Path, tmp_path: Path
) -> None:
    # What `evidence demo`, a build and `npm ci` leave in a working tree.
    litter = {
        "output/index.html": "<!doctype html>",
        "output/items/one.html": "<!doctype html>",
        ".evidence/ledger.db": "SQLite format 3",
        "node_modules/axe-core/axe.min.js": "/* axe */",
        "site/index.html": "<!doctype html>",
    }
    for name, content in litter.items():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text(content, encoding="utf-8")
    try:
        built = run(str(UV), "build", "--sdist", "--out-dir", str(tmp_path), cwd=checkout)
        assert built.returncode == 0, built.stderr
        [sdist] = tmp_path.glob("evidence_ledger-*.tar.gz")
        with tarfile.open(sdist) as archive:
            names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    finally:
        for top in ("output/index.html", "output/items", ".evidence", "node_modules", "site"):
            path = checkout / top
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    assert {
        "pyproject.toml",
        "README.md",
        "evidence/cli.py",
        "renderer/templates/base.html",
    } <= names
    leaked = sorted(
        name
        for name in names
        if name.split("/")[0] in {"output", ".evidence", "node_modules", "site", ".venv"}
    )
    assert leaked == []


def test_uv_tool_install_then_init_help_and_build_without_a_token(
    checkout: Path, tmp_path: Path
) -> None:
    """The newcomer's first minutes, with the installed command, in an empty folder."""
    tools, bin_dir, empty = tmp_path / "tools", tmp_path / "bin", tmp_path / "empty"
    empty.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_TOKEN") and not key.startswith(("EVIDENCE_", "VIRTUAL_ENV"))
    }
    env.update(UV_TOOL_DIR=str(tools), UV_TOOL_BIN_DIR=str(bin_dir))
    installed = run(str(UV), "tool", "install", ".", cwd=checkout, env=env)
    assert installed.returncode == 0, installed.stderr
    evidence = bin_dir / "evidence"
    assert evidence.is_file()
    # Only the installed tool: the clone's own environment must not be on the PATH.
    env["PATH"] = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])

    init = run("evidence", "init", cwd=empty, env=env)
    assert init.returncode == 0, init.stderr
    assert (empty / "evidence.toml").is_file()

    helped = run("evidence", "--help", cwd=empty, env=env)
    assert helped.returncode == 0 and "Usage: evidence [OPTIONS] COMMAND" in helped.stdout
    for command in ("init", "build", "demo", "status", "explain"):
        assert f"  {command} " in helped.stdout

    built = run("evidence", "build", "--config", "evidence.toml", "-v", cwd=empty, env=env)
    assert built.returncode == 2, built.stderr
    assert built.stderr.splitlines() == [
        "error: sources[0] (github.com): environment variable GITHUB_TOKEN is not set; export "
        "a github token with read access there (the token never goes in the config file)"
    ]
    documented = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert built.stderr.strip() in documented  # the line the manual shows a newcomer
    assert not (empty / "output").exists()  # nothing rendered from a config that cannot run

    again = run("evidence", "init", cwd=empty, env=env)
    assert again.returncode == 2
    assert again.stderr == "error: evidence.toml already exists; pass --force to overwrite it\n"
