"""The toy forge's ``[[sources]]`` table: extends the shared source settings."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from config.models import SourceSettings


class ToySource(SourceSettings):
    """A JSON file that plays a forge."""

    label: ClassVar[str] = "Toy"
    default_host: ClassVar[str] = "toy.example"

    forge: Literal["toy"] = Field(description="Which forge this source reads.")
    world: Path = Field(description="The JSON file holding the toy forge's repositories.")

    @property
    def host(self) -> str:
        return self.default_host
