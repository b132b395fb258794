"""Payloads shaped as a forge may send them: a nullable field null, an optional one absent.

Every field a forge's published description marks nullable arrives as null
somewhere; the fakes' entities name such paths (``nulls``, ``absent``) and each
payload function passes its dict through ``shaped``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

JsonDict = dict[str, Any]


def shaped(payload: JsonDict, nulls: Iterable[str] = (), absent: Iterable[str] = ()) -> JsonDict:
    """``payload`` with the dotted paths in ``nulls`` set to null, those in ``absent`` removed."""
    for path, remove in [*((p, False) for p in nulls), *((p, True) for p in absent)]:
        *parents, last = path.split(".")
        node: Any = payload
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            raise KeyError(f"{path}: not in the payload; a fake cannot null what it never sends")
        if remove:
            del node[last]
        else:
            node[last] = None
    return payload
