"""Split one config's repositories between several collectors: ``--shard i/n``.

A repository belongs to exactly one shard, decided by a stable hash of the
source's name and the repository's path: the same on every machine, in every
Python process (``hash()`` is salted per process, so it is not used) and
whatever order the forge lists repositories in. Pods of a Kubernetes Indexed
Job can then each collect one shard of the same config into one PostgreSQL
store without two of them ever writing the same rows.

Changing ``n`` moves repositories between shards; that is harmless (every
write is an idempotent upsert) as long as all collectors of one store use the
same ``n`` at any one time.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
MAX_SHARDS = 1024  # far beyond any sensible fleet; bounds a typo such as 0/100000


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` (0-based) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise ValueError(f"shard count must be between 1 and {MAX_SHARDS}, not {self.count}")
        if not 0 <= self.index < self.count:
            raise ValueError(
                f"shard index must be between 0 and {self.count - 1} for {self.count} shards, "
                f"not {self.index}"
            )

    @classmethod
    def parse(cls, spec: str) -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``; ``ValueError`` with a readable message otherwise."""
        match = _SPEC.match(spec)
        if match is None:
            raise ValueError(
                f"{spec!r} is not a shard; expected INDEX/COUNT with INDEX from 0, e.g. 0/4"
            )
        return cls(int(match[1]), int(match[2]))

    @property
    def renders(self) -> bool:
        """Shard 0 publishes the site; the others only collect."""
        return self.index == 0

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, source: str, repository_path: str) -> bool:
        return shard_of(source, repository_path, self.count) == self.index

    def __str__(self) -> str:
        return self.label


WHOLE = Shard(0, 1)  # no sharding: one collector owns everything


def shard_of(source: str, repository_path: str, count: int) -> int:
    """The shard (0..count-1) that collects ``repository_path`` of ``source``.

    SHA-256 of the two names (NUL-separated, so "a/b" + "c" never collides with
    "a" + "b/c"), first 8 bytes as an unsigned integer, modulo ``count``. The
    path is case-folded because forges treat ``Acme/API`` and ``acme/api`` as
    the same repository.
    """
    if count < 1:
        raise ValueError(f"shard count must be at least 1, not {count}")
    digest = hashlib.sha256(f"{source}\0{repository_path.casefold()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count
