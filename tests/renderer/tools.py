"""The external checkers the page tests drive: Chromium, the Nu HTML Checker, axe-core,
Lighthouse.

``.ci/run`` installs all of them (Debian's chromium and chromium-driver, Java,
and ``npm ci`` for vnu-jar, axe-core and Lighthouse into ``node_modules/``). Locally a
missing tool skips its tests; with ``CI=true`` it fails them, so CI can never
pass by skipping the checks.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"


def missing(what: str, hint: str) -> None:
    """Skip locally, fail in CI: a quality gate that silently skips is no gate."""
    message = f"{what} not found; {hint}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _executable(names: tuple[str, ...], fallback: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return fallback if Path(fallback).is_file() else None


def chromium() -> str:
    found = _executable(("chromium", "chromium-browser"), "/usr/bin/chromium")
    if found is None:
        missing("Chromium", "apt-get install -y chromium chromium-driver (or run .ci/run)")
    assert found is not None
    return found


def chromedriver() -> str:
    found = _executable(("chromedriver",), "/usr/bin/chromedriver")
    if found is None:
        missing("chromedriver", "apt-get install -y chromium-driver (or run .ci/run)")
    assert found is not None
    return found


def java() -> str:
    found = shutil.which("java")
    if found is None:
        missing("Java", "apt-get install -y default-jre-headless (or run .ci/run)")
    assert found is not None
    return found


def vnu_jar() -> Path:
    if not VNU_JAR.is_file():
        missing(str(VNU_JAR), "run `npm ci --ignore-scripts` in the repository (or .ci/run)")
    return VNU_JAR


def lighthouse() -> list[str]:
    """The command that runs Lighthouse (node and its CLI script)."""
    node = shutil.which("node")
    if node is None:
        missing("node", "apt-get install -y nodejs npm (or run .ci/run)")
    if not LIGHTHOUSE.is_file():
        missing(str(LIGHTHOUSE), "run `npm ci --ignore-scripts` in the repository (or .ci/run)")
    assert node is not None
    return [node, str(LIGHTHOUSE)]


def axe_source() -> str:
    if not AXE_JS.is_file():
        missing(str(AXE_JS), "run `npm ci --ignore-scripts` in the repository (or .ci/run)")
    return AXE_JS.read_text(encoding="utf-8")
