"""How patient a source is with its forge: timeouts, retries and the rate-limit reserve.

Forge-agnostic: every forge's request path reads the same ``[collect]`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from collector.backoff import Backoff
from config.models import CollectConfig


@dataclass(frozen=True, slots=True)
class Limits:
    """How patient a source is: from ``[collect]`` in the config."""

    timeout: int = 30  # seconds; PyGithub takes whole seconds
    retries: int = 3
    rate_limit_reserve: int = 100
    max_rate_limit_wait: float = 900.0
    backoff: Backoff = field(default_factory=Backoff)

    @classmethod
    def from_config(cls, collect: CollectConfig) -> Limits:
        return cls(
            timeout=collect.timeout,
            retries=collect.retries,
            rate_limit_reserve=collect.rate_limit_reserve,
            max_rate_limit_wait=float(collect.max_rate_limit_wait),
        )
