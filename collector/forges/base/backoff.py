"""How long to wait before retrying a transient fault: exponential, capped, jittered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry ``n`` (0-based) waits between half and all of ``min(cap, base * 2**n)`` seconds.

    The random half keeps many clients that failed together (a forge restart)
    from coming back in lockstep.
    """

    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int, random: Callable[[], float]) -> float:
        ceiling = min(self.cap, self.base * 2.0**attempt)
        return ceiling / 2 + random() * ceiling / 2
