"""Shard partitioning: every repository in exactly one shard, whatever the listing order."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from collector.sync.shard import MAX_SHARDS, WHOLE, Shard, shard_of


def repository_names(count: int, seed: int) -> list[tuple[str, str]]:
    """(source, path) pairs shaped like real ones: owners, groups, subgroups, odd names."""
    rng = random.Random(seed)
    sources = ["github.com", "ghe", "gitlab.com", "gitlab.example.com"]
    words = ["api", "infra", "Terraform-Modules", "ledger.web", "ops_tools", "x", "ocm-brain"]
    names: set[tuple[str, str]] = set()
    while len(names) < count:
        depth = rng.choice([2, 2, 2, 3, 4])
        path = "/".join(f"{rng.choice(words)}{rng.randrange(1000)}" for _ in range(depth))
        names.add((rng.choice(sources), path))
    return sorted(names)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 13, 16, 32])
def test_every_repository_lands_in_exactly_one_shard(count: int) -> None:
    repositories = repository_names(2000, seed=count)
    shards = [Shard(index, count) for index in range(count)]
    for source, path in repositories:
        owners = [shard for shard in shards if shard.owns(source, path)]
        assert len(owners) == 1, (source, path, owners)
    # ... and the split is even enough to be worth it: no shard gets twice its share.
    sizes = Counter(shard_of(source, path, count) for source, path in repositories)
    assert set(sizes) == set(range(count))
    assert max(sizes.values()) < 2 * len(repositories) / count


def test_assignment_ignores_listing_order_and_other_repositories() -> None:
    repositories = repository_names(500, seed=1)
    shuffled = list(repositories)
    random.Random(2).shuffle(shuffled)
    first = {repository: shard_of(*repository, 4) for repository in repositories}
    second = {repository: shard_of(*repository, 4) for repository in shuffled[:250]}
    assert all(first[repository] == shard for repository, shard in second.items())


def test_assignment_is_the_same_in_another_process() -> None:
    """Python's hash() is salted per process; a pod must agree with its neighbours."""
    repositories = repository_names(50, seed=3)
    here = [shard_of(source, path, 7) for source, path in repositories]
    code = (
        "import json, sys; from collector.sync.shard import shard_of; "
        "print(json.dumps([shard_of(s, p, 7) for s, p in json.load(sys.stdin)]))"
    )
    there = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(repositories),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert json.loads(there.stdout) == here


def test_the_source_name_and_path_case_are_part_of_the_key() -> None:
    assert shard_of("github.com", "Acme/API", 16) == shard_of("github.com", "acme/api", 16)
    sources = {shard_of(source, "acme/api", 64) for source in ("a", "b", "c", "d", "e", "f")}
    assert len(sources) > 1  # the same path in two sources is two repositories
    # The separator keeps "a/b" + "c" apart from "a" + "b/c".
    pairs = [(f"s{n}", f"o{n}/r") for n in range(64)]
    shifted = [(source + "/o", path.split("/", 1)[1]) for source, path in pairs]
    assert [shard_of(*pair, 1024) for pair in pairs] != [shard_of(*pair, 1024) for pair in shifted]


def test_one_shard_owns_everything() -> None:
    assert Shard(0, 1) == WHOLE
    assert all(WHOLE.owns(source, path) for source, path in repository_names(100, seed=4))
    assert WHOLE.renders


@pytest.mark.parametrize(
    ("spec", "expected"), [("0/4", Shard(0, 4)), ("3/4", Shard(3, 4)), (" 1 / 2 ", Shard(1, 2))]
)
def test_parse_accepts_index_over_count(spec: str, expected: Shard) -> None:
    assert Shard.parse(spec) == expected
    assert Shard.parse(expected.label) == expected
    assert expected.renders is (expected.index == 0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("4/4", "between 0 and 3"),
        ("1/0", "between 1 and"),
        ("-1/4", "not a shard"),
        ("two/four", "not a shard"),
        ("1", "not a shard"),
        (f"0/{MAX_SHARDS + 1}", f"between 1 and {MAX_SHARDS}"),
    ],
)
def test_parse_refuses_what_is_not_a_shard(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Shard.parse(spec)
