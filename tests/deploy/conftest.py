"""Where the deployment recipes and the tools that check them are."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TOOLS = Path(sys.executable).parent  # dev tools installed by `uv sync`: hadolint, check-jsonschema


def tool(name: str) -> Path:
    """A checking tool from the dev dependencies; missing is a skip here, a failure in CI."""
    found = shutil.which(name, path=str(TOOLS)) or shutil.which(name)
    if found is None:
        message = f"{name} is not installed; run `uv sync` (it comes with the dev dependencies)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return Path(found)
