"""Reading fields of a forge's JSON: forge-neutral, so every forge package uses these.

Payloads are hostile and often partial: a field may be absent, null or of
another type than documented. These helpers say what to do then, once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

Json = Mapping[str, Any]

# Line breaks in every form str.splitlines() knows, with the spaces around them.
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+[ \t]*")


def one_line(text: str) -> str:
    """Fold a title onto one line; everything else about it is kept as sent."""
    return _LINE_BREAKS.sub(" ", text).strip()


def parse_datetime(value: object) -> datetime | None:
    """ISO 8601 as forges send it (``2024-05-01T12:00:00Z``) -> aware UTC datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        # Forges send a zone; a bare timestamp (an old GHE or GitLab) is UTC.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def required_datetime(data: Json, key: str) -> datetime:
    parsed = parse_datetime(data.get(key))
    if parsed is None:
        raise ValueError(f"missing {key}")
    return parsed


def text(data: Json | None, key: str) -> str:
    """A string field that may be absent or null."""
    if not data:
        return ""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def section(data: Json, key: str) -> Json:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}
