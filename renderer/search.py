"""Full-text search: a Pagefind index of the item pages, built into the staged site.

Pagefind (the ``pagefind`` package with its binary extra) reads the rendered
HTML and writes a static index to ``pagefind/`` beside the pages; the ledger
pages load it from the site's own origin through ``search.js`` when JavaScript
runs, and work as before when it does not. Only public item pages carry
``data-pagefind-body``, so a redacted item's page is never in the index.

The index is built in the staging folder, before the atomic swap: a failure
leaves the last good site in place, like any other render error.

Pagefind's output is not byte-stable (its filter files are named and ordered
differently on every run), so when the indexed pages are byte-identical to
those the previous site was indexed from, the previous index is carried over
instead: a night with no new evidence republishes no index file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

from pagefind.service import get_executable

from core.errors import RenderError

INDEX_DIR = "pagefind"
TIMEOUT = 600  # seconds; 20,000 item pages index in about ten
# Item pages are all that is indexed (the rest are lists of them); a narrower glob
# spares Pagefind from parsing every list page.
GLOB = "items/*.html"
MESSAGE_LINES = 3
# Pagefind's ready-made interfaces: the site has its own (search.js), so these are not
# published. pagefind.js, its worker, WebAssembly and index files stay.
UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)


STAMP = "inputs.sha256"  # in the index folder: what it was built from


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256(f"pagefind {version('pagefind')}\n".encode())
    for page in sorted(root.glob(GLOB)):
        digest.update(page.name.encode() + b"\0" + page.read_bytes() + b"\0")
    return digest.hexdigest()


def _link_or_copy(source: str, destination: str) -> None:
    """The previous index file itself (a hard link), or a copy where links are refused."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _carry_over(previous: Path | None, root: Path, fingerprint: str) -> bool:
    """Copy the previous site's index into ``root`` if it was built from the same pages."""
    if previous is None:
        return False
    old = previous / INDEX_DIR
    stamp = old / STAMP
    if not stamp.is_file() or stamp.read_text(encoding="utf-8") != fingerprint:
        return False
    shutil.copytree(old, root / INDEX_DIR, copy_function=_link_or_copy)
    return True


def _command(root: Path) -> list[str]:
    executable = get_executable()
    if executable is None:
        raise RenderError(
            "the Pagefind binary is missing; reinstall with `uv sync` (it comes with the "
            "pagefind[extended] dependency) or set PAGEFIND_BINARY_PATH"
        )
    return [
        str(executable),
        "--site",
        str(root),
        "--output-subdir",
        INDEX_DIR,
        "--glob",
        GLOB,
        "--silent",
    ]


class SearchIndex:
    """Pagefind indexing the item pages of ``root`` while the rest of the site is written.

    ``start`` returns at once: either the previous site's index was carried over, or
    Pagefind runs in its own process (on its own cores) while the list pages, feeds
    and previews are rendered. ``finish`` waits for it; ``stop`` kills it when the
    render fails, so no indexer outlives its staging folder.
    """

    def __init__(self, root: Path, fingerprint: str, process: subprocess.Popen[str] | None):
        self._root = root
        self._fingerprint = fingerprint
        self._process = process

    @classmethod
    def start(cls, root: Path, previous: Path | None = None) -> SearchIndex:
        """Index the item pages already written to ``root``, or reuse the index of
        ``previous`` (the site being replaced) if none of them changed."""
        fingerprint = _fingerprint(root)
        if _carry_over(previous, root, fingerprint):
            return cls(root, fingerprint, None)
        try:
            process = subprocess.Popen(
                _command(root),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        except OSError as exc:
            raise RenderError(f"could not build the search index: {exc}") from exc
        return cls(root, fingerprint, process)

    def finish(self) -> None:
        """Wait for Pagefind and tidy its output; a failure is a ``RenderError``."""
        if self._process is None:
            return
        try:
            stdout, stderr = self._process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            self.stop()
            raise RenderError(f"could not build the search index: {exc}") from exc
        if self._process.returncode != 0:
            output = (stderr or stdout).strip().splitlines()
            detail = " ".join(output[-MESSAGE_LINES:]) or f"exit code {self._process.returncode}"
            raise RenderError(f"could not build the search index: {detail}")
        for name in UNUSED:
            (self._root / INDEX_DIR / name).unlink(missing_ok=True)
        (self._root / INDEX_DIR / STAMP).write_text(self._fingerprint, encoding="utf-8")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
