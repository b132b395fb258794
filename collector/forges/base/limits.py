"""How patient a source is with its forge: timeouts, retries and the rate-limit reserve.

Forge-agnostic: every forge's request path reads the same ``[collect]`` settings,
keeps its budget in a ``RateBudget`` (only the rate-limit header names differ
between forges) and folds the forge's own text with ``short``. What differs by
forge (which answers cost rate limit, how a throttled answer is waited out)
stays in that forge's request module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from collector.forges.base.backoff import Backoff
from collector.forges.base.interface import RateLimitStop, RequestStats
from config.models import CollectConfig

# The end of every RateLimitStop message: stopping is not a failure.
RESUMES = "stopped cleanly; the next run resumes where this one stopped"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True, slots=True)
class Limits:
    """How patient a source is: from ``[collect]`` in the config."""

    timeout: int = 30  # seconds; PyGithub takes whole seconds
    retries: int = 3
    rate_limit_reserve: int = 100
    max_rate_limit_wait: float = 900.0
    # Nights between checks of a list for deleted items (forges whose lists cannot
    # show a deletion); 0: never. Off unless the config asks, so a read is one read.
    deletion_check_nights: int = 0
    # Nights between full reads of a list the forge can tell unchanged more cheaply
    # (GitLab's quiet nights); 0: every list every night. Off unless the config asks.
    full_read_nights: int = 0
    backoff: Backoff = field(default_factory=Backoff)

    @classmethod
    def from_config(cls, collect: CollectConfig) -> Limits:
        return cls(
            timeout=collect.timeout,
            retries=collect.retries,
            rate_limit_reserve=collect.rate_limit_reserve,
            max_rate_limit_wait=float(collect.max_rate_limit_wait),
            deletion_check_nights=collect.deletion_check_nights,
            full_read_nights=collect.full_read_nights,
        )


class RateBudget:
    """One source's rate-limit budget, read from the forge's headers and kept before each request.

    ``header_prefix`` names the forge's headers in lower case: ``x-ratelimit-``
    on GitHub, ``ratelimit-`` on GitLab (``limit``, ``remaining``, ``reset``
    follow). The figures land in ``stats``; every wait is slept through
    ``pause``, so ``stats.waited`` counts it.
    """

    def __init__(
        self,
        *,
        source: str,
        header_prefix: str,
        limits: Limits,
        stats: RequestStats,
        sleep: Callable[[float], None],
        wall_clock: Callable[[], float],
    ) -> None:
        self._source, self._prefix = source, header_prefix
        self._limits, self._stats = limits, stats
        self._sleep, self._wall_clock = sleep, wall_clock

    def note(self, headers: Mapping[str, str]) -> None:
        """Keep what an answer's rate-limit headers say; a header missing keeps the last value."""
        limit = header_int(headers.get(f"{self._prefix}limit"))
        remaining = header_int(headers.get(f"{self._prefix}remaining"))
        reset = header_int(headers.get(f"{self._prefix}reset"))
        if limit is not None:
            self._stats.rate_limit = limit
        if remaining is not None:
            self._stats.rate_remaining = remaining
        if reset is not None:
            self._stats.rate_reset = datetime.fromtimestamp(reset, UTC)

    def keep_reserve(self) -> None:
        """Before a request: leave ``rate_limit_reserve`` requests of the budget untouched.

        Down to the reserve, wait for the reset when it is within
        ``max_rate_limit_wait``, else raise ``RateLimitStop``.
        """
        remaining, reset = self._stats.rate_remaining, self._stats.rate_reset
        reserve = self._limits.rate_limit_reserve
        if remaining is None or remaining > reserve:
            return
        wait = 0.0 if reset is None else reset.timestamp() - self._wall_clock() + 1
        if wait > self._limits.max_rate_limit_wait:
            spent = (
                "rate limit exhausted"
                if remaining == 0
                else f"rate limit down to {remaining} requests (the reserve is {reserve})"
            )
            raise RateLimitStop(
                self._source, f"{spent}, {resets(reset)}; {RESUMES}", resets_at=reset
            )
        if wait > 0:
            self.pause(wait)
        self._stats.rate_remaining = None  # unknown until the next answer says

    def pause(self, seconds: float) -> None:
        """Sleep for a rate limit or a backoff, counted in ``stats.waited``."""
        self._stats.waited += seconds
        self._sleep(seconds)


def resets(reset: datetime | None) -> str:
    """When a spent budget comes back, for a ``RateLimitStop`` message."""
    return f"resets at {reset:%H:%M} UTC" if reset is not None else "resets within the hour"


def header_int(value: str | None) -> int | None:
    """A number header (``"42"``, ``"42.0"``) as an int; None when absent or not a number."""
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def short(value: object, limit: int = 200) -> str:
    """Forge text folded onto one line without control characters, at most ``limit`` long."""
    line = _CONTROL.sub(" ", str(value)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
