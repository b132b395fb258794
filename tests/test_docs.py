"""The README cannot drift from the code: generated blocks are current, commands documented."""

from __future__ import annotations

import re

import pytest

from config.models import EvidenceConfig
from evidence.cli import cli
from evidence.docs import BLOCKS, README, markers


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_generated_readme_blocks_are_current(block: str) -> None:
    readme = README.read_text(encoding="utf-8")
    begin, end = markers(block)
    assert f"{begin}\n{BLOCKS[block]()}\n{end}" in readme, (
        f"README block {block} is stale: run `uv run python -m evidence.docs --write`"
    )


def test_every_config_section_is_in_the_reference() -> None:
    readme = README.read_text(encoding="utf-8")
    for name in EvidenceConfig.model_fields:
        assert re.search(rf"`\[?\[?{name}\]?\]?[`.]", readme), name


def test_every_command_is_documented() -> None:
    readme = README.read_text(encoding="utf-8")
    for command in cli.commands:
        assert re.search(rf"`evidence {command}\b", readme), f"README does not document {command}"
