"""The four evidence categories: the stages of the evidence trail, in order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """Stored and used in URLs and labels (``evidence:<value>``); never rename one."""

    ARCHITECTURE = "architecture"
    MERGE_REQUEST = "merge-request"
    DEPLOYMENT = "deployment"
    MONITORING = "monitoring"

    @property
    def stage(self) -> Stage:
        return STAGES[self]


@dataclass(frozen=True, slots=True)
class Stage:
    number: int
    title: str
    headline: str
    summary: str


STAGES: dict[Category, Stage] = {
    Category.ARCHITECTURE: Stage(
        1,
        "Architecture",
        "System shape first",
        "Service boundaries, data ownership and failure paths, decided before implementation.",
    ),
    Category.MERGE_REQUEST: Stage(
        2,
        "Merge Request",
        "Intent written down",
        "Every change explains what moved, why it moved and what operational risk it changes.",
    ),
    Category.DEPLOYMENT: Stage(
        3,
        "Deployment",
        "Release as a controlled step",
        "Releases, environments and rollout behaviour treated as part of the feature.",
    ),
    Category.MONITORING: Stage(
        4,
        "Monitoring",
        "Production decides truth",
        "Incidents, fixes and observability changes that show what production taught.",
    ),
}
