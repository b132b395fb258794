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
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

from pagefind.service import get_executable

from core.errors import RenderError

INDEX_DIR = "pagefind"
TIMEOUT = 600  # seconds; 20,000 item pages index in well under a minute
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


def _carry_over(previous: Path | None, root: Path, fingerprint: str) -> bool:
    """Copy the previous site's index into ``root`` if it was built from the same pages."""
    if previous is None:
        return False
    old = previous / INDEX_DIR
    stamp = old / STAMP
    if not stamp.is_file() or stamp.read_text(encoding="utf-8") != fingerprint:
        return False
    shutil.copytree(old, root / INDEX_DIR)
    return True


def index_site(root: Path, previous: Path | None = None) -> None:
    """Write the search index of the site in ``root`` to ``root/pagefind``, or reuse the
    one in ``previous/pagefind`` (the site being replaced) if nothing it indexes changed."""
    fingerprint = _fingerprint(root)
    if _carry_over(previous, root, fingerprint):
        return
    executable = get_executable()
    if executable is None:
        raise RenderError(
            "the Pagefind binary is missing; reinstall with `uv sync` (it comes with the "
            "pagefind[extended] dependency) or set PAGEFIND_BINARY_PATH"
        )
    command = [
        str(executable),
        "--site",
        str(root),
        "--output-subdir",
        INDEX_DIR,
        "--glob",
        GLOB,
        "--silent",
    ]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"could not build the search index: {exc}") from exc
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()
        detail = " ".join(output[-MESSAGE_LINES:]) or f"exit code {result.returncode}"
        raise RenderError(f"could not build the search index: {detail}")
    for name in UNUSED:
        (root / INDEX_DIR / name).unlink(missing_ok=True)
    (root / INDEX_DIR / STAMP).write_text(fingerprint, encoding="utf-8")
