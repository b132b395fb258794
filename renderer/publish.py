"""Replace the output folder with a freshly rendered tree, or leave it exactly as it was.

The new site is written to ``<output>.tmp-<random>`` beside the output, then
swapped in with two renames: output -> ``<output>.old-<random>``, staging ->
output. A crash can only leave one of three states, and ``recover`` turns each
back into "one good output": staging left over (delete it), old left over next
to a new output (delete it), or old left over with no output (restore it).

Files whose bytes did not change keep their old modification time, so a deploy
that syncs by mtime (rsync, Pages uploads) only ships what changed; the writer
hard-links them to the old files (``renderer.writer.SiteFolder``), so they are
not even rewritten. Top-level
hidden files and ``CNAME`` belong to the owner and are carried over.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import RenderError

# Written into every output; an existing, non-empty folder without it was not
# made by us, and replacing it would delete someone's files.
MARKER = ".evidence-ledger"
MARKER_TEXT = "Written by Evidence Ledger. This folder is replaced on every build.\n"
STORE_DIR = ".evidence"
OWNER_FILES = frozenset({"CNAME"})


@dataclass(frozen=True, slots=True)
class PublishReport:
    files_unchanged: int  # files of the new tree byte-identical to the previous output
    files_removed: int  # files of the previous output that the new tree no longer has


def _sibling_pattern(output_dir: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(output_dir.name)}\.(?P<role>tmp|old)-[0-9a-f]{{16}}$")


def _siblings(output_dir: Path, role: str) -> list[Path]:
    pattern = _sibling_pattern(output_dir)
    if not output_dir.parent.is_dir():
        return []
    return sorted(
        entry
        for entry in output_dir.parent.iterdir()
        if (match := pattern.match(entry.name)) and match["role"] == role
    )


def _new_sibling(output_dir: Path, role: str) -> Path:
    return output_dir.with_name(f"{output_dir.name}.{role}-{secrets.token_hex(8)}")


def recover(output_dir: Path) -> None:
    """Undo what an interrupted publish left behind, so exactly one output remains."""
    old = _siblings(output_dir, "old")
    if not output_dir.exists() and old:
        if len(old) > 1:
            names = ", ".join(p.name for p in old)
            raise RenderError(
                f"{output_dir} is missing and several previous outputs exist ({names}); "
                f"rename the one to keep to {output_dir.name}"
            )
        old[0].rename(output_dir)
        old = []
    for leftover in [*old, *_siblings(output_dir, "tmp")]:
        shutil.rmtree(leftover, ignore_errors=True)


def _is_owner_file(name: str) -> bool:
    return (name.startswith(".") or name in OWNER_FILES) and name not in {MARKER, STORE_DIR}


def _check_replaceable(output_dir: Path) -> None:
    if not output_dir.exists():
        return
    if not output_dir.is_dir():
        raise RenderError(f"{output_dir} exists and is not a folder; set output.dir to a folder")
    names = sorted(entry.name for entry in output_dir.iterdir())
    if STORE_DIR in names:
        raise RenderError(
            f"{output_dir} contains {STORE_DIR}/ (the store); move the store out of the "
            "published folder before building"
        )
    foreign = [name for name in names if not _is_owner_file(name) and name != MARKER]
    if foreign and MARKER not in names:
        shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise RenderError(
            f"{output_dir} holds files Evidence Ledger did not write ({shown}); "
            "empty it or set output.dir to another folder"
        )


def _files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, as paths relative to it (symlinks left out).

    ``scandir`` knows each entry's type from the directory listing itself: a site of
    40,000 files is walked without a ``stat`` per file."""
    folders = [Path()]
    while folders:
        folder = folders.pop()
        with os.scandir(root / folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(folder / entry.name)
                elif entry.is_file(follow_symlinks=False):
                    yield folder / entry.name


def _carry_owner_files(output_dir: Path, staging: Path) -> None:
    if not output_dir.is_dir():
        return
    for entry in sorted(output_dir.iterdir()):
        if not _is_owner_file(entry.name):
            continue
        target = staging / entry.name
        if target.exists() or target.is_symlink():
            raise RenderError(f"the rendered site would overwrite {entry.name}, which is yours")
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True)
        else:
            shutil.copy2(entry, target, follow_symlinks=False)


def _keep_if_unchanged(old: Path, new: Path) -> bool:
    """Whether ``new`` is ``old`` (hard-linked by the writer: nothing to do) or has its
    bytes, in which case it takes ``old``'s timestamps."""
    before, after = old.stat(), new.stat()
    if (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino):
        return True
    if before.st_size != after.st_size or old.read_bytes() != new.read_bytes():
        return False
    os.utime(new, ns=(before.st_atime_ns, before.st_mtime_ns))
    return True


def _keep_unchanged(output_dir: Path, staging: Path) -> PublishReport:
    """Give unchanged files their old mtime; count what changed and what went away."""

    def ours(relative: Path) -> bool:
        return not _is_owner_file(relative.parts[0])

    new_files = {p for p in _files(staging) if ours(p)}
    old_files = {p for p in _files(output_dir) if ours(p)} if output_dir.is_dir() else set()
    unchanged = 0
    for relative in sorted(new_files & old_files):
        old, new = output_dir / relative, staging / relative
        if _keep_if_unchanged(old, new):
            unchanged += 1
    return PublishReport(
        files_unchanged=unchanged,
        files_removed=len(old_files - new_files),
    )


def _swap(output_dir: Path, staging: Path) -> None:
    if not output_dir.exists():
        staging.rename(output_dir)
        return
    aside = _new_sibling(output_dir, "old")
    output_dir.rename(aside)
    try:
        staging.rename(output_dir)
    except OSError:
        aside.rename(output_dir)
        raise
    # If this fails half-way, the next run's recover() removes the rest.
    shutil.rmtree(aside, ignore_errors=True)


def publish(output_dir: Path, write: Callable[[Path], None]) -> PublishReport:
    """Call ``write(staging)`` to fill a fresh folder, then make it ``output_dir``.

    If ``write`` or anything after it fails, the staging folder is removed and
    ``output_dir`` is left byte-for-byte as it was.
    """
    # Resolve symlinks so the swap replaces the real folder, not the link to it.
    output_dir = output_dir.resolve()
    if output_dir.parent == output_dir:
        raise RenderError(f"refusing to replace {output_dir}; set output.dir to a site folder")
    staging: Path | None = None
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        recover(output_dir)
        _check_replaceable(output_dir)
        staging = _new_sibling(output_dir, "tmp")
        staging.mkdir()
        if output_dir.is_dir():
            shutil.copymode(output_dir, staging)  # keep the permissions the web server needs
        write(staging)
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        _carry_owner_files(output_dir, staging)
        report = _keep_unchanged(output_dir, staging)
        _swap(output_dir, staging)
        return report
    except OSError as exc:
        where = exc.filename or output_dir
        detail = exc.strerror or str(exc)
        raise RenderError(f"could not publish to {output_dir}: {where}: {detail}") from exc
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
