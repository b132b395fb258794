"""One small exception family, turned into one line and an exit code at the CLI edge."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes a scheduler can act on. Documented in docs/exit-codes.md."""

    OK = 0
    FAILURE = 1  # unexpected error: a bug, or something not classified below
    CONFIG = 2  # the config file (or the command line) is wrong: fix it, then rerun
    PARTIAL = 3  # some sources failed; the rest was collected and the site rendered
    NOTHING_COLLECTED = 4  # every source failed; the site was rendered from the last good data
    STORE = 5  # the store could not be opened, migrated or written
    RENDER = 6  # the site could not be rendered; the previous site is untouched
    LOCKED = 7  # another build holds the store's lock; nothing was done: rerun later
    STOPPED = 8  # stopped by SIGTERM/SIGINT between pages; what was collected is kept


class EvidenceError(Exception):
    """Base of every error the product reports as one line instead of a traceback."""

    exit_code: ExitCode = ExitCode.FAILURE

    def lines(self) -> list[str]:
        """The message as the lines to print, one problem per line."""
        return [str(self)]


class ConfigError(EvidenceError):
    """The configuration is invalid. Holds every problem found, one line each."""

    exit_code = ExitCode.CONFIG

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__("\n".join(f"{where}{p}" for p in problems))

    def lines(self) -> list[str]:
        where = f"{self.path}: " if self.path else ""
        return [f"{where}{problem}" for problem in self.problems]


class SourceError(EvidenceError):
    """A forge could not be read (authentication, network, unexpected answer)."""

    exit_code = ExitCode.PARTIAL

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"source {source}: {message}")


class StoreError(EvidenceError):
    """The store could not be opened, migrated, read or written."""

    exit_code = ExitCode.STORE


class RenderError(EvidenceError):
    """The site could not be rendered or published."""

    exit_code = ExitCode.RENDER


class StoreBusy(EvidenceError):
    """Another process holds the store's lock (a build, a render, a second replica)."""

    exit_code = ExitCode.LOCKED


class StopRequested(EvidenceError):
    """SIGTERM or SIGINT arrived; the run stopped between two pages."""

    exit_code = ExitCode.STOPPED
