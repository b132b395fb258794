"""What the collector reads from a forge's answers, and whether the fakes ever send it odd.

A ``Reads`` entry names one endpoint the collector calls and the dotted paths
of the fields its mappings read there: ``[]`` stands for every element of an
array (``[].commit.author.date`` in a list of commits, ``files[].filename`` in a
single commit). Reading ``a.b.c`` reads ``a`` and ``a.b`` as well (the mapping
has to get through them), so ``read_paths`` counts every prefix.

``FieldSpec`` is what the forge's published description says about one read
path: whether it may be null, and whether it may be left out. ``audit`` holds
the fakes to it: every nullable path must arrive null in some served answer,
every optional one must be missing from some served answer, so the collector
is tested against what the forge may really send, not only the happy shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = Any


@dataclass(frozen=True)
class FieldSpec:
    """One read path as the forge describes it."""

    nullable: bool
    required: bool  # False: the description lets the forge leave the field out
    doc: str = ""  # where the description says so (GitLab: a doc page; GitHub: the schema)


@dataclass(frozen=True)
class Reads:
    """The fields the collector reads from the answers of one endpoint."""

    endpoint: str  # "GET /repos/{owner}/{repo}/commits" or "GET /projects/:id/deployments"
    paths: tuple[str, ...]
    read_by: str  # the mapping that reads them: where to look when a path changes
    # One alternative of an answer that may take several shapes (GitHub's contents:
    # a folder's list or a file), named by its schema; "" for an answer of one shape.
    variant: str = ""
    # Which served answers of the endpoint are this variant's (default: all of them).
    shape: Callable[[Json], bool] = field(default=lambda body: True, compare=False)

    @property
    def key(self) -> str:
        return f"{self.endpoint} ({self.variant})" if self.variant else self.endpoint

    def pattern(self) -> re.Pattern[str]:
        """The endpoint's path as a regular expression over requested API paths."""
        _, _, template = self.endpoint.partition(" ")
        parts: list[str] = []
        for piece in re.split(r"(\{[^}]+\}|:[a-z_]+)", template):
            if piece in ("{path}", ":file_path"):
                parts.append(r".+")  # a file path may hold slashes
            elif piece.startswith(("{", ":")):
                parts.append(r"[^/]+")
            else:
                parts.append(re.escape(piece))
        return re.compile("".join(parts))


def read_paths(reads: Reads) -> list[str]:
    """Every path the entry reads, prefixes included, in a stable order."""
    found: dict[str, None] = {}
    for path in reads.paths:
        segments = path.split(".")
        for depth in range(1, len(segments) + 1):
            prefix = ".".join(segments[:depth])
            if prefix.removesuffix("[]"):  # "[]" alone is the answer itself, not a field
                found[prefix.removesuffix("[]") if prefix.endswith("[]") else prefix] = None
    return list(found)


def check_table(table: Sequence[Reads]) -> list[str]:
    """Problems with a READS table itself: duplicate keys, malformed paths."""
    problems: list[str] = []
    keys = [reads.key for reads in table]
    problems += [f"{key}: listed twice" for key in sorted({k for k in keys if keys.count(k) > 1})]
    segment = re.compile(r"(\[\]|[A-Za-z_][A-Za-z0-9_]*(\[\])?)")
    for reads in table:
        if not reads.endpoint.startswith("GET /"):
            problems.append(f"{reads.key}: the collector only ever GETs")
        for path in reads.paths:
            if not all(segment.fullmatch(part) for part in path.split(".")):
                problems.append(f"{reads.key}: malformed path {path!r}")
    return problems


# -- served answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What the served answers showed of one read path."""

    values: int = 0  # occurrences with a value other than null
    nulls: int = 0
    absent: int = 0  # its parent was there, the field was not


def observe(bodies: Iterable[Json], path: str) -> Seen:
    """How ``path`` appeared across ``bodies``: with a value, as null, or left out."""
    values = nulls = absent = 0
    *parents, last = path.split(".")
    key = last.removesuffix("[]")
    for body in bodies:
        for parent in _walk([body], parents):
            if not isinstance(parent, Mapping):
                continue
            if key not in parent:
                absent += 1
            elif parent[key] is None:
                nulls += 1
            else:
                values += 1
    return Seen(values, nulls, absent)


def _walk(nodes: list[Json], segments: Sequence[str]) -> Iterator[Json]:
    """The objects reached by ``segments`` from ``nodes``; a null or missing step ends a branch."""
    for node in nodes:
        if not segments:
            yield node
            continue
        head, rest = segments[0], segments[1:]
        name, items = head.removesuffix("[]"), head.endswith("[]")
        if name:
            node = node.get(name) if isinstance(node, Mapping) else None
        if items:
            yield from _walk(list(node) if isinstance(node, list) else [], rest)
        elif node is not None:
            yield from _walk([node], rest)


@dataclass(frozen=True)
class Served:
    """One answer a fake served: its API path and its JSON body."""

    path: str
    body: Json


def served_json(records: Iterable[tuple[str, int, bytes]]) -> list[Served]:
    """The 200 answers with a JSON body, from a fake's (path, status, body) records."""
    found: list[Served] = []
    for path, status, body in records:
        if status != 200 or not body:
            continue
        try:
            found.append(Served(path, json.loads(body)))
        except ValueError:
            continue  # a raw file, not JSON
    return found


def bodies_for(reads: Reads, served: Iterable[Served]) -> list[Json]:
    pattern = reads.pattern()
    return [s.body for s in served if pattern.fullmatch(s.path) and reads.shape(s.body)]


def audit(
    table: Sequence[Reads], specs: Mapping[str, Mapping[str, FieldSpec]], served: list[Served]
) -> list[str]:
    """Every way the served answers fall short of the description, one line each.

    For each read path: the fakes sent it at all (unless it may only ever be
    absent or null); null at least once when it is nullable; left out at least
    once when it is optional. An endpoint never called is a failure too: the
    world must exercise everything the collector reads.
    """
    problems: list[str] = []
    for reads in table:
        bodies = bodies_for(reads, served)
        if not bodies:
            problems.append(f"{reads.key}: never served; add to the world what the collector reads")
            continue
        for path in read_paths(reads):
            spec = specs[reads.key][path]
            seen = observe(bodies, path)
            where = f"{reads.key}: {path}"
            if seen.values == 0:
                problems.append(f"{where}: never sent with a value")
            if spec.nullable and seen.nulls == 0:
                problems.append(f"{where}: nullable ({spec.doc}) but never sent as null")
            if not spec.required and seen.absent == 0:
                problems.append(f"{where}: optional ({spec.doc}) but never left out")
            if not spec.nullable and seen.nulls:
                problems.append(f"{where}: sent as null, which the description does not allow")
            if spec.required and seen.absent:
                problems.append(f"{where}: left out, which the description does not allow")
    return problems
