"""Fixtures of the renderer tests: inputs built from real records, and rendered sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.renderer.builders import Inputs, hostile_inputs, sample_inputs


@pytest.fixture
def sample() -> Inputs:
    return sample_inputs()


@pytest.fixture
def hostile() -> Inputs:
    return hostile_inputs()


@pytest.fixture
def sample_site(sample: Inputs, tmp_path: Path) -> Path:
    """The sample ledger rendered into ``tmp_path/site``."""
    output = tmp_path / "site"
    sample.render(output)
    return output
