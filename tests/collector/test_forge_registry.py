"""The forge registry: every settings model is read by a forge, and a third forge is cheap.

A toy forge (``tests/collector/toy_forge``: a folder with a settings model and a
client) joins with one registry line, and ``collect_source`` runs through it
into the real store: the interface, registry and sync loop need no change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

from collector.forges.registry import FORGES, ForgeFactory, open_forge
from collector.model.records import MergeRequest
from collector.store import Store
from collector.sync import collect_source
from config.models import SOURCE_MODELS, Source, SourceSettings, forge_label
from tests.collector.toy_forge.forge import ToyForge
from tests.collector.toy_forge.settings import ToySource

RUN = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


def test_every_settings_model_has_a_forge_and_every_forge_a_settings_model() -> None:
    union = get_args(get_args(Source)[0])
    assert set(union) == set(SOURCE_MODELS) == set(FORGES)
    assert {model.tag() for model in SOURCE_MODELS} == {"github", "gitlab"}
    assert [forge_label(model.tag()) for model in SOURCE_MODELS] == ["GitHub", "GitLab"]


def test_a_third_forge_is_a_folder_a_settings_model_and_one_registry_line(
    tmp_path: Path, store: Store
) -> None:
    world = tmp_path / "toy.json"
    change = {
        "number": 7,
        "title": "Ship the toy",
        "labels": ["evidence"],
        "created_at": "2025-02-01T10:00:00+00:00",
        "updated_at": "2025-02-02T10:00:00+00:00",
    }
    world.write_text(json.dumps({"dana/toybox": [change]}), encoding="utf-8")
    registry: dict[type[SourceSettings], ForgeFactory] = {**FORGES, ToySource: ToyForge}
    source = ToySource(forge="toy", world=world)

    first = collect_source(
        open_forge(source, "no-token", registry=registry), store, clock=lambda: RUN
    )
    again = collect_source(
        open_forge(source, "no-token", registry=registry), store, clock=lambda: RUN
    )

    assert first.errors == [] and first.item_totals.new == 1
    assert again.item_totals.new == 0  # its cursor held: nothing read twice
    (stored,) = store.snapshot().items
    assert isinstance(stored.item, MergeRequest)
    assert (stored.item.repo.forge, stored.item.title, stored.source) == (
        "toy",
        "Ship the toy",
        "toy.example",
    )
    assert forge_label("toy") == "toy"  # not in the config's union: shown by its tag
