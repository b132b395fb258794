"""The bundled sample data set behind ``evidence demo``: no token, no network.

The records go through the real store, classification and renderer, so the
demo shows exactly what a real build would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from pydantic import TypeAdapter

from collector.model.records import AnyItem, Item, Repository
from config.loader import parse_config
from config.models import EvidenceConfig

_ITEMS = TypeAdapter(list[AnyItem])


@dataclass(frozen=True, slots=True)
class Sample:
    config: EvidenceConfig
    repositories: tuple[Repository, ...]
    items: tuple[Item, ...]


def load_sample() -> Sample:
    folder = resources.files(__package__)
    config = parse_config(
        (folder / "evidence.toml").read_text(encoding="utf-8"), source="demo evidence.toml"
    )
    data = json.loads((folder / "sample.json").read_text(encoding="utf-8"))
    repositories = tuple(Repository.model_validate(r) for r in data["repositories"])
    return Sample(config, repositories, tuple(_ITEMS.validate_python(data["items"])))
