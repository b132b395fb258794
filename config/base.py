"""The base of every config table."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of every config table: unknown keys are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)
