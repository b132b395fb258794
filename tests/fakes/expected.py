"""The forge-agnostic half of "the store equals the world": comparing records, not making them.

Each forge's ``*_expected`` module builds the records its world means; these
checks compare them with what the store holds, with failures that name what is
missing or extra instead of dumping two long lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from collector.model.records import Item, Repository
from collector.store import Store


def assert_repositories_match(
    store: Store, wanted: Iterable[Repository], *, source: str = ""
) -> None:
    """The store holds exactly ``wanted`` as repositories (of ``source`` only, when given)."""
    stored = sorted(
        (r for r in store.snapshot().repositories if not source or r.source == source),
        key=lambda r: r.ref.path,
    )
    assert stored == sorted(wanted, key=lambda r: r.ref.path)


def stored_items(store: Store, *, source: str = "") -> list[Item]:
    """Every item in the store (of ``source`` only, when given)."""
    return [s.item for s in store.snapshot().items if not source or s.source == source]


def assert_same_items(stored: Iterable[Item], wanted: Iterable[Item]) -> None:
    """``stored`` and ``wanted`` are the same items: none missing, none extra, none twice."""
    stored_sorted = sorted(stored, key=_identity)
    wanted_sorted = sorted(wanted, key=_identity)
    missing = [_identity(item) for item in wanted_sorted if item not in stored_sorted]
    extra = [_identity(item) for item in stored_sorted if item not in wanted_sorted]
    assert (missing, extra) == ([], []), f"missing {missing[:5]}, unexpected {extra[:5]}"
    assert stored_sorted == wanted_sorted
    assert len({_identity(item) for item in stored_sorted}) == len(stored_sorted), (
        "an item is stored twice"
    )


def _identity(item: Item) -> tuple[str, str, str]:
    return (item.repo.path, item.kind.value, item.key)
