"""Regenerate the golden site: the demo data rendered at a fixed build time.

    uv run python -m scripts.regenerate_golden

``tests/test_golden.py`` renders the demo the same way and fails on any byte of
difference, so a change to the renderer, its templates or the demo data shows
up as a reviewable diff of ``tests/golden/site/``. Run this after an intended
change and commit the result with it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from evidence.pipeline import demo

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "site"
# Fixed, and late in the demo data's year, so every figure window has data.
BUILT_AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
# Pagefind's search index names and orders its filter files differently on every run
# (the same content, hashed from an unordered map), so it cannot be compared byte for
# byte; tests/renderer/test_search.py checks it by searching it in a browser.
NOT_GOLDEN = ("pagefind",)


def build_demo_site(output: Path) -> None:
    """Render the bundled demo into ``output`` (absolute) exactly as the golden test does."""
    demo(output, clock=lambda: BUILT_AT)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="evidence-golden-") as scratch:
        site = Path(scratch) / "site"
        build_demo_site(site)
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(site, GOLDEN, ignore=shutil.ignore_patterns(*NOT_GOLDEN))
    count = sum(1 for path in GOLDEN.rglob("*") if path.is_file())
    print(f"Wrote {count} files to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
