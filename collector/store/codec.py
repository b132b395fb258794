"""Records to table rows and back.

The ``record`` column holds ``model_dump(mode="json")`` and is the only thing read
back, so a record survives the store exactly; the other columns are copies for
queries. Forge text is hostile: a NUL character or a lone surrogate cannot be
stored in a text column (PostgreSQL refuses NUL, UTF-8 refuses lone surrogates),
so the column copies are cleaned while the JSON keeps the original, escaped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter

from collector.model.records import AnyItem, Item, Repository

_ITEM_ADAPTER: TypeAdapter[AnyItem] = TypeAdapter(AnyItem)


def record_json(record: Repository | Item) -> dict[str, Any]:
    return record.model_dump(mode="json")


def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON: equal content, equal hash, on any backend."""
    # ensure_ascii escapes every non-ASCII character, lone surrogates included, so
    # encoding cannot fail on hostile text.
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def column_text(value: str) -> str:
    """``value`` made storable in a text column (see the module docstring)."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def repository_row(repository: Repository) -> dict[str, Any]:
    data = record_json(repository)
    return {
        "forge": repository.ref.forge,
        "host": column_text(repository.ref.host),
        "path": column_text(repository.ref.path),
        "source": column_text(repository.source),
        "visibility": repository.visibility.value,
        "pushed_at": repository.pushed_at,
        "record": data,
        "content_hash": content_hash(data),
    }


def item_row(source: str, item: Item) -> dict[str, Any]:
    data = record_json(item)
    return {
        "forge": item.repo.forge,
        "host": column_text(item.repo.host),
        "repo_path": column_text(item.repo.path),
        "kind": item.kind.value,
        "key": column_text(item.key),
        "source": column_text(source),
        "title": column_text(item.title),
        "url": column_text(item.url),
        "event_at": item.event_at,
        "updated_at": item.updated_at,
        "record": data,
        "content_hash": content_hash(data),
    }


def repository_from_json(data: Mapping[str, Any]) -> Repository:
    return Repository.model_validate(data)


def item_from_json(data: Mapping[str, Any]) -> Item:
    return _ITEM_ADAPTER.validate_python(data)
