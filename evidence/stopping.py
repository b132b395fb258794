"""Stop cleanly on SIGTERM/SIGINT: finish the page in hand, then stop.

Kubernetes, systemd and Docker send SIGTERM before they kill; a person presses
Ctrl-C. Either sets a flag that the sync loop reads between two pages, so the
run ends with everything fetched so far committed and recorded as
"interrupted", instead of dying mid-write. A second Ctrl-C is impatience:
it interrupts at once, as Python normally does.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopFlag:
    """Callable as ``should_stop``: True once a stop was requested."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: str | None = None

    def __call__(self) -> bool:
        return self._event.is_set()

    def request(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a stop is requested (True) or ``timeout`` passes (False)."""
        return self._event.wait(timeout)

    @contextmanager
    def on_signals(self) -> Iterator[StopFlag]:
        """Route SIGTERM/SIGINT to this flag for the block; previous handlers come back after.

        Signal handlers can only be set from the main thread; elsewhere (a test
        runner's worker) the block runs with the process's handlers unchanged.
        """
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}

        def handle(number: int, _frame: FrameType | None) -> None:
            name = signal.Signals(number).name
            if self() and number == signal.SIGINT:
                raise KeyboardInterrupt  # the second Ctrl-C
            log.warning("%s received: stopping after the current page", name)
            self.request(name)

        for number in STOP_SIGNALS:
            signal.signal(number, handle)
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
