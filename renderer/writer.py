"""Write pages and files into the staged site, pages on every core.

Rendering a page is pure Python work, so threads would take turns on one core.
Large sites are rendered by forked worker processes instead: they inherit the
site model and the pages copy-on-write, where pickling 20,000 entries to a
spawned process would take longer than rendering them. Each worker has its own
Jinja environment and writes its pages straight into the staging folder; only
counts travel back. Small sites, and systems without ``fork``, render in this
process, which gives the same bytes.

``evidence schedule`` builds on a scheduler thread, so the fork can happen while
other threads hold locks. A worker only renders templates and writes files: it
takes no lock of theirs (Python resets the import and logging locks in a forked
child), so nothing it needs can be left locked.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path, PurePosixPath
from types import TracebackType

from jinja2 import Environment, TemplateError

from core.errors import RenderError
from renderer.pages import Page
from renderer.theme import Theme, template_environment

# Below this many pages, starting processes costs more than it saves.
PARALLEL_FROM = 1_000
CHUNK = 200  # pages per task: progress stays smooth, task overhead stays small

# Called after pages are written: (pages written, pages in the site).
PageProgress = Callable[[int, int], None]


def target(root: Path, relative: str) -> Path:
    """``root/relative``, refusing anything that could land outside ``root``."""
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or any(p in {"", ".", ".."} for p in path.parts):
        raise RenderError(f"refusing to write a page to {relative!r}")
    return root.joinpath(*path.parts)


class SiteFolder:
    """The staging folder a render writes into, beside the site it will replace.

    A file whose bytes equal the previous site's file at the same path is hard-linked
    to it instead of written: the unchanged pages of a nightly build are never
    rewritten (same inode, same mtime), and removing the old site afterwards frees
    nothing they use. Where the file system refuses links, the file is written.
    """

    def __init__(self, root: Path, previous: Path | None = None) -> None:
        self.root = root
        self.previous = previous if previous is not None and previous.is_dir() else None

    def write(self, relative: str, content: bytes) -> None:
        path = target(self.root, relative)
        if path.exists():
            # Two outputs for one path would silently lose one of them (Pelican refuses too).
            raise RenderError(
                f"two files would be written to {relative}; refusing to overwrite one"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.previous is not None and self._link_unchanged(relative, content, path):
            return
        path.write_bytes(content)

    def _link_unchanged(self, relative: str, content: bytes, path: Path) -> bool:
        assert self.previous is not None
        old = target(self.previous, relative)
        try:
            found = os.lstat(old)  # one call: a symlink is never followed, nor linked
            if not stat.S_ISREG(found.st_mode) or found.st_size != len(content):
                return False
            if old.read_bytes() != content:
                return False
            os.link(old, path)
        except OSError:
            return False  # missing, unreadable, or no hard links here: write it
        return True


def write_page(env: Environment, page: Page, folder: SiteFolder) -> None:
    try:
        html = env.get_template(page.template).render(page=page, site=page.site)
    except TemplateError as exc:
        raise RenderError(f"{page.template} failed for {page.path}: {exc}") from exc
    folder.write(page.path, html.encode("utf-8"))


def worker_count() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# What a forked worker renders: set by the pool's initializer, which a forked
# process runs with its arguments inherited rather than pickled.
_job: tuple[Sequence[Page], SiteFolder] | None = None
_env: Environment | None = None


def _start_worker(pages: Sequence[Page], theme: Theme, folder: SiteFolder) -> None:
    global _job, _env
    _job, _env = (pages, folder), template_environment(theme)


def _write_range(start: int, stop: int) -> int:
    assert _job is not None and _env is not None, "not in a page worker"
    pages, folder = _job
    for page in pages[start:stop]:
        write_page(_env, page, folder)
    return stop - start


class PageWriter:
    """Writes ``pages`` into ``folder``: ``write(indexes)`` starts a batch, ``wait`` ends it.

    Use as a context manager: leaving it stops the workers, and on an error cancels
    what has not started (the staging folder is thrown away anyway).
    """

    def __init__(
        self,
        pages: Sequence[Page],
        theme: Theme,
        folder: SiteFolder,
        *,
        workers: int | None = None,
        progress: PageProgress | None = None,
    ) -> None:
        paths = [page.path for page in pages]
        if len(set(paths)) != len(paths):
            duplicate = next(p for p in paths if paths.count(p) > 1)
            raise RenderError(f"two pages would be written to {duplicate}; refusing one")
        self._pages = pages
        self._theme = theme
        self._folder = folder
        self._progress = progress
        self._done = 0
        # ``workers`` given: exactly that many; else every core, for a large site.
        count = worker_count() if workers is None else workers
        parallel = (
            count > 1
            and (workers is not None or len(pages) >= PARALLEL_FROM)
            and "fork" in multiprocessing.get_all_start_methods()
        )
        self._pool = (
            ProcessPoolExecutor(
                max_workers=count,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(pages, theme, folder),
            )
            if parallel
            else None
        )
        self._env = None if parallel else template_environment(theme)

    @property
    def parallel(self) -> bool:
        """Pages are written by worker processes (else in this one)."""
        return self._pool is not None

    def __enter__(self) -> PageWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=error is not None)

    def write(self, indexes: range) -> list[Future[int]]:
        """Start writing ``pages[indexes]``; in this process, they are written before it returns."""
        if self._pool is None:
            assert self._env is not None
            for index in indexes:
                write_page(self._env, self._pages[index], self._folder)
                self._advance(1)
            return []
        return [
            self._pool.submit(_write_range, start, min(start + CHUNK, indexes.stop))
            for start in range(indexes.start, indexes.stop, CHUNK)
        ]

    def wait(self, batch: list[Future[int]]) -> None:
        """Block until ``batch`` is written; the first worker's error is raised here."""
        pending = set(batch)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    self._advance(future.result())
                except BrokenProcessPool as exc:
                    raise RenderError(
                        "a page worker died (out of memory?); rerun, or free memory"
                    ) from exc

    def _advance(self, written: int) -> None:
        self._done += written
        if self._progress is not None:
            self._progress(self._done, len(self._pages))
