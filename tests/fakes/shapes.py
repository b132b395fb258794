"""Payloads shaped as a forge may send them: a nullable field null, an optional one absent.

Every field a forge's published description marks nullable arrives as null
somewhere; the fakes' entities name such paths (``nulls``, ``absent``,
``emptied``) and each payload function passes its dict through ``shaped``.
``tests/collector/test_forge_reads.py`` checks that together they cover every
field the collector reads that the description lets be null or left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

JsonDict = dict[str, Any]


def shaped(
    payload: JsonDict,
    nulls: Iterable[str] = (),
    absent: Iterable[str] = (),
    emptied: Iterable[str] = (),
) -> JsonDict:
    """``payload`` with the dotted paths in ``nulls`` set to null, those in ``absent``
    removed, those in ``emptied`` replaced by ``{}`` (GitHub's ``empty-object``).

    A number in a path picks an element of a list: ``labels.0.name``.
    """
    changes = [
        *((path, "null") for path in nulls),
        *((path, "absent") for path in absent),
        *((path, "empty") for path in emptied),
    ]
    for path, change in changes:
        *parents, last = path.split(".")
        node: Any = payload
        for part in parents:
            node = _child(node, part)
        if not isinstance(node, dict) or last not in node:
            raise KeyError(f"{path}: not in the payload; a fake cannot null what it never sends")
        if change == "absent":
            del node[last]
        else:
            node[last] = None if change == "null" else {}
    return payload


def _child(node: Any, part: str) -> Any:
    if isinstance(node, list) and part.isdigit():
        return node[int(part)] if int(part) < len(node) else None
    return node.get(part) if isinstance(node, dict) else None
