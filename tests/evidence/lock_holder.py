"""A second process that holds a store lock until told to let go.

    python -m tests.evidence.lock_holder URL BASE_DIR NAME [--shared]

Prints ``held`` once the lock is taken, then holds it until its stdin closes
(or it is killed), so a test can hold the lock from a real other process.
"""

from __future__ import annotations

import sys
from pathlib import Path

from evidence.lock import StoreLocks


def main(argv: list[str]) -> int:
    url, base_dir, name = argv[:3]
    shared = "--shared" in argv[3:]
    locks = StoreLocks.for_store(url, base_dir=Path(base_dir))
    with locks.hold(name, wait=10, purpose="lock-holder test", shared=shared):
        print("held", flush=True)
        sys.stdin.read()  # until the test closes our stdin
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
