"""Every field the collector reads that a forge may send null, or leave out, is sent so.

Three checks per forge, from the table of what the collector reads
(``tests/fakes/github_reads.py``, ``tests/fakes/gitlab_reads.py``):

1. The table is true to the forge's description. On GitHub every read path
   exists in the extract of GitHub's OpenAPI description
   (``tests/fakes/github_openapi_fields.json``, regenerated from the pinned npm
   package by ``scripts/github_openapi_fields.py``), so a typo or a field GitHub
   dropped fails here. GitLab publishes no such description of its REST API:
   its table carries, per field, what the API docs and entities say, with the
   reference.
2. The table is complete enough: a mapping that starts reading a field whose
   name no path of the table mentions fails ``test_*_mappings_read_only_listed_fields``.
3. The audit: the odd world (``tests/collector/odd_worlds.py``) is collected by
   the real collector through the HTTP fake, every JSON answer is kept, and each
   read path must have arrived null (when nullable) and left out (when
   optional) at least once, never null or missing where the description
   forbids it, and the store must hold what the forge meant.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from collector.forges.base.limits import Limits
from collector.forges.base.signals import SignalSettings
from collector.forges.github.forge import GitHubForge
from collector.forges.gitlab.forge import GitLabForge
from collector.model.records import Deployment, Incident, Item, Kind, Pipeline, Release
from collector.store import Store
from collector.sync import SourceReport, collect_source
from config.models import GitHubSource, GitLabSource
from scripts import github_openapi_fields
from tests.collector.conftest import GITHUB_TOKEN, GITLAB_TOKEN
from tests.collector.odd_worlds import (
    GITHUB_ORGS,
    GITHUB_REPOS,
    GITHUB_USERS,
    GITLAB_GROUPS,
    GITLAB_PROJECTS,
    GITLAB_USERS,
    github_odd_world,
    gitlab_odd_world,
)
from tests.fakes.expected import assert_repositories_match, assert_same_items
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_expected import expected_items, expected_repository
from tests.fakes.github_reads import READS as GITHUB_READS
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_expected import assert_store_matches as assert_gitlab_store_matches
from tests.fakes.gitlab_reads import READS as GITLAB_READS
from tests.fakes.gitlab_reads import SPECS as GITLAB_SPECS
from tests.fakes.reads import (
    FieldSpec,
    Reads,
    Served,
    audit,
    check_table,
    read_paths,
    served_json,
)

ROOT = Path(__file__).resolve().parent.parent.parent
RUN = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
ItemT = TypeVar("ItemT", bound=Item)
CORE_KINDS = (Kind.MERGE_REQUEST, Kind.COMMIT, Kind.RELEASE, Kind.TAG)

# -- the table against the description -------------------------------------------------------


def github_specs() -> dict[str, dict[str, FieldSpec]]:
    """The extract of GitHub's OpenAPI description, as field specs per READS key."""
    data = json.loads(github_openapi_fields.OUTPUT.read_text(encoding="utf-8"))
    return {
        key: {
            path: FieldSpec(field["nullable"], field["required"], " / ".join(field["in"]))
            for path, field in entry["fields"].items()
        }
        for key, entry in data["endpoints"].items()
    }


def test_github_table_is_well_formed() -> None:
    assert check_table(GITHUB_READS) == []


def test_github_extract_covers_exactly_the_read_paths_of_the_pinned_description() -> None:
    data = json.loads(github_openapi_fields.OUTPUT.read_text(encoding="utf-8"))
    source = data["source"]
    assert (source["package"], source["version"]) == (
        github_openapi_fields.PACKAGE,
        github_openapi_fields.VERSION,
    )
    # A path not in the description makes the script fail, so it never reaches the file;
    # a path added to READS since the file was written shows here: regenerate it.
    extracted = {key: sorted(entry["fields"]) for key, entry in data["endpoints"].items()}
    wanted = {reads.key: sorted(read_paths(reads)) for reads in GITHUB_READS}
    assert extracted == wanted, "READS changed: uv run python -m scripts.github_openapi_fields"


def test_the_extraction_walks_nulls_alternatives_and_required_lists() -> None:
    """The script's reading of OpenAPI, on a description small enough to check by eye."""
    document = {
        "paths": {
            "/things": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/thing"},
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "thing": {
                    "type": "object",
                    "required": ["owner", "when"],
                    "properties": {
                        "owner": {
                            "nullable": True,
                            "oneOf": [
                                {"$ref": "#/components/schemas/user"},
                                {"$ref": "#/components/schemas/empty-object"},
                            ],
                        },
                        "when": {"type": ["string", "null"]},
                        "labels": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        },
                    },
                },
                "user": {
                    "type": "object",
                    "required": ["login"],
                    "properties": {"login": {"type": "string"}},
                },
                "empty-object": {"type": "object", "properties": {}},
            }
        },
    }
    reads = Reads("GET /things", ("[].owner.login", "[].when", "[].labels"), "test")
    extracted = github_openapi_fields.extract(document, [reads])["endpoints"]["GET /things"]
    fields = {path: (f["nullable"], f["required"]) for path, f in extracted["fields"].items()}
    assert fields == {
        "[].owner": (True, True),
        # Required in ``user`` but not in the empty-object alternative: may be left out.
        "[].owner.login": (False, False),
        "[].when": (True, True),
        "[].labels": (False, False),
    }
    assert extracted["schema"] == "thing[]"


def test_the_audit_names_every_shape_the_served_answers_never_showed() -> None:
    reads = Reads("GET /repos/{owner}/{repo}/things", ("[].when", "[].user.login"), "test")
    specs = {
        reads.key: {
            "[].when": FieldSpec(nullable=True, required=True, doc="thing"),
            "[].user": FieldSpec(nullable=False, required=False, doc="thing"),
            "[].user.login": FieldSpec(nullable=False, required=True, doc="user"),
        }
    }
    happy = Served("/repos/o/r/things", [{"when": "2024-01-01", "user": {"login": "dana"}}])
    assert audit([reads], specs, [happy]) == [
        f"{reads.key}: [].when: nullable (thing) but never sent as null",
        f"{reads.key}: [].user: optional (thing) but never left out",
    ]
    odd = Served("/repos/o/r/things", [{"when": None}, {"when": "x", "user": {"login": None}}])
    assert audit([reads], specs, [happy, odd]) == [
        f"{reads.key}: [].user.login: sent as null, which the description does not allow"
    ]
    elsewhere = Served("/repos/o/r/other", [{"when": None}])
    assert audit([reads], specs, [elsewhere]) == [
        f"{reads.key}: never served; add to the world what the collector reads"
    ]


# -- the table against the mappings -----------------------------------------------------------

# Keys the GitHub package reads from something other than an answer's JSON: response
# headers, the groups of its ``Link`` regular expression, its own error bodies.
GITHUB_NOT_FIELDS = {
    "link": "the Link response header (forge._next_url)",
    "rel": "a group of the Link header's regular expression",
    "url": "a group of the Link header's regular expression",
    "message": "GitHub's error body (client.error_message); also commit.message, listed",
    "retry-after": "a response header",
    "x-ratelimit-remaining": "a response header",
    "x-ratelimit-reset": "a response header",
}


def read_keys(package: Path, field_helpers: Collection[str] = ()) -> dict[str, set[str]]:
    """String keys the package's modules read from mappings, with the modules reading each.

    What counts as reading a field: ``x.get("key")``, ``x["key"]``, the shared helpers
    ``text(x, "key")``, ``section(x, "key")``, ``required_datetime(x, "key")``, and any
    string argument of a ``field_helpers`` call (a local helper given field names).
    """
    helpers = {"text", "section", "required_datetime"}
    found: dict[str, set[str]] = {}
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            keys: list[object] = []
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                keys.append(node.slice.value)
            elif isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else func.id
                    if isinstance(func, ast.Name)
                    else ""
                )
                arguments = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if name in helpers and len(node.args) >= 2:
                    second = node.args[1]
                    keys += [second.value] if isinstance(second, ast.Constant) else []
                elif name == "get" and isinstance(node.func, ast.Attribute) and arguments:
                    first = node.args[0]
                    keys += [first.value] if isinstance(first, ast.Constant) else []
                elif name in field_helpers:
                    keys += arguments
            for key in keys:
                if isinstance(key, str):
                    found.setdefault(key, set()).add(module.name)
    return found


def names_in(table: Iterable[Reads]) -> set[str]:
    return {
        segment.removesuffix("[]")
        for reads in table
        for path in reads.paths
        for segment in path.split(".")
    }


def test_github_mappings_read_only_listed_fields() -> None:
    """A guard, not a proof: it knows field names, not where they are read.

    Reading a field whose name appears nowhere in READS (``x.get("merged_by")``)
    fails here until the table lists it, and the extract and the audit then hold
    the fake to what GitHub's description says of it. Reading a known name at a
    new place (``head.label`` when only ``label`` was read elsewhere) is not
    caught: add the path to READS when you do that.
    """
    keys = read_keys(ROOT / "collector" / "forges" / "github")
    unlisted = sorted(set(keys) - names_in(GITHUB_READS) - set(GITHUB_NOT_FIELDS))
    assert unlisted == [], {key: sorted(keys[key]) for key in unlisted}
    assert set(GITHUB_NOT_FIELDS) <= set(keys), "an exemption no longer needed: remove it"


# -- the audit ----------------------------------------------------------------------------------


def collect_github(fake: FakeGitHub, store: Store) -> list[str]:
    """One run of the real collector over the fake; the run's warnings."""
    config = GitHubSource(
        forge="github",
        api_url=fake.api_url,
        users=list(GITHUB_USERS),
        orgs=list(GITHUB_ORGS),
        repos=list(GITHUB_REPOS),
        include_private=True,
    )
    forge = GitHubForge(
        config, GITHUB_TOKEN, limits=Limits(retries=0), signals=SignalSettings(), recall=store
    )
    try:
        report = collect_source(forge, store, clock=lambda: RUN)
    finally:
        forge.close()
    assert report.errors == [] and not report.failed, report.errors
    return list(report.warnings)


def stored(store: Store, kinds: Iterable[Kind]) -> list[Item]:
    return [s.item for s in store.snapshot().items if s.item.kind in kinds]


def by_title(store: Store, kind: type[ItemT]) -> dict[str, ItemT]:
    """The stored items of one record type, by title."""
    return {s.item.title: s.item for s in store.snapshot().items if isinstance(s.item, kind)}


def test_github_serves_every_nullable_and_optional_field_the_collector_reads(
    store: Store,
) -> None:
    world = github_odd_world()
    with FakeGitHub(world, token=GITHUB_TOKEN) as fake:
        fake.keep_bodies()
        warnings = collect_github(fake, store)
        served = served_json(fake.bodies or [])
        repos = list(world.repos.values())

        problems = audit(GITHUB_READS, github_specs(), served)
        assert problems == [], "\n".join(problems)
        # Nothing the description allows was skipped: every odd entry is stored, as meant.
        assert [w for w in warnings if "skipped" in w] == []
        assert_repositories_match(store, (expected_repository(fake, repo) for repo in repos))
        expected = [item for repo in repos for item in expected_items(fake, repo)]
        assert_same_items(stored(store, CORE_KINDS), expected)

    deployments = {
        d.extra["description"]: d
        for d in stored(store, [Kind.DEPLOYMENT])
        if isinstance(d, Deployment)
    }
    orphan = deployments[None]
    assert (orphan.author, orphan.status, orphan.extra["environment_url"]) == ("", "success", None)
    # Without log_url (statuses from before it existed) the log is the older target_url.
    assert orphan.extra["log_url"] == f"https://ci.example.com/deploy/{orphan.id}"
    assert orphan.extra["production_environment"] is False
    runs = [p for p in stored(store, [Kind.PIPELINE]) if isinstance(p, Pipeline)]
    assert sorted(run.status for run in runs) == ["", "success", "success", "success"]
    detached = next(run for run in runs if run.ref == "")
    assert (detached.name, detached.author, detached.extra["run_attempt"]) == ("Deploy", "", None)
    incidents = by_title(store, Incident)
    assert set(incidents) == {"API down", "Queue backlog", "Disk full"}
    backlog, disk = incidents["Queue backlog"], incidents["Disk full"]
    assert (backlog.author, backlog.body, backlog.closed_at) == ("", "", None)
    assert (disk.labels, disk.body, disk.extra["closed_by"]) == (("incident",), "", None)
    releases = by_title(store, Release)
    assert releases["v1.1.0"].name == "" and releases["v2.0.0-rc"].published_at is None
    decisions = stored(store, [Kind.DECISION])
    assert sorted(d.repo.path for d in decisions) == ["dana-dev/imported", "dana-dev/ledger"]


# -- GitLab -------------------------------------------------------------------------------------

# Keys the GitLab package reads from something other than an answer's JSON.
GITLAB_NOT_FIELDS = {
    "link": "the Link response header (client._next_url)",
    "rel": "a group of the Link header's regular expression",
    "url": "a group of the Link header's regular expression",
    "x-next-page": "a response header",
    "x-total": "a response header (deletions)",
    "retry-after": "a response header",
    "ratelimit-reset": "a response header",
    "response": "the requests session's hooks",
    "since": "a query parameter the sync sets",
    "updated_after": "a query parameter the sync sets",
    "recursive": "a query parameter of the tree listing",
    "non_archived": "a query parameter of the group lists",
    "date": "the Date response header (client.answered_at)",
    "job_ids": "the extra of a stored pipeline record (merged_pipeline)",
    "stages": "the extra of a stored pipeline record (merged_pipeline)",
}


def test_gitlab_table_is_well_formed_and_every_read_path_has_its_spec() -> None:
    assert check_table(GITLAB_READS) == []
    for reads in GITLAB_READS:
        assert sorted(GITLAB_SPECS[reads.key]) == sorted(read_paths(reads)), reads.key
        for path, spec in GITLAB_SPECS[reads.key].items():
            odd = spec.nullable or not spec.required
            assert bool(spec.doc) == odd, f"{reads.key} {path}: a doc reference, only if odd"


def test_gitlab_mappings_read_only_listed_fields() -> None:
    """As ``test_github_mappings_read_only_listed_fields``; ``project_facts`` passes field
    names to its local ``enabled`` helper, so those count as reads too."""
    keys = read_keys(ROOT / "collector" / "forges" / "gitlab", field_helpers={"enabled"})
    unlisted = sorted(set(keys) - names_in(GITLAB_READS) - set(GITLAB_NOT_FIELDS))
    assert unlisted == [], {key: sorted(keys[key]) for key in unlisted}
    assert set(GITLAB_NOT_FIELDS) <= set(keys), "an exemption no longer needed: remove it"


def collect_gitlab(fake: FakeGitLab, store: Store, at: datetime = RUN) -> SourceReport:
    config = GitLabSource(
        forge="gitlab",
        url=fake.url,
        groups=GITLAB_GROUPS,
        users=GITLAB_USERS,
        projects=GITLAB_PROJECTS,
        include_forks=True,
    )
    # Quiet nights and deletion checks on, as the default config has them: the second
    # night then asks the group lists too.
    limits = Limits(retries=0, full_read_nights=7, deletion_check_nights=7)
    forge = GitLabForge(config, GITLAB_TOKEN, limits=limits, signals=SignalSettings(), recall=store)
    try:
        report = collect_source(forge, store, clock=lambda: at)
    finally:
        forge.close()
    assert report.errors == [] and not report.failed, report.errors
    return report


def test_gitlab_serves_every_nullable_and_optional_field_the_collector_reads(
    store: Store,
) -> None:
    world, no_diffs = gitlab_odd_world()
    with FakeGitLab(world, token=GITLAB_TOKEN) as fake:
        fake.fail(no_diffs, 404, "404 Not found")  # GitLab before 15.7: no /diffs
        fake.keep_bodies()
        report = collect_gitlab(fake, store)
        # A second night reads incrementally: the branch heads, lists read on from a
        # watermark; nothing odd may be mistaken for a change or a deletion.
        quiet = collect_gitlab(fake, store, RUN + timedelta(days=1))
        served = served_json(fake.bodies or [])
        projects = list(world.projects.values())

        problems = audit(GITLAB_READS, GITLAB_SPECS, served)
        assert problems == [], "\n".join(problems)
        # The one release GitLab sent without its tag (the token may not read the code)
        # is skipped, named; every other odd entry is stored as GitLab meant it.
        skipped = [w for w in report.warnings if "skipped" in w]
        assert report.items_skipped == 1 and len(skipped) == 1, skipped
        assert "acme/platform: release v1.2.0 skipped" in skipped[0]
        assert "tag_name" in skipped[0]
        assert quiet.items_skipped == 0  # the releases list answered 304: nothing re-read
        assert_gitlab_store_matches(store, fake, projects)

    deployments = [d for d in stored(store, [Kind.DEPLOYMENT]) if isinstance(d, Deployment)]
    by_ref = {(d.environment, d.ref): d for d in deployments}
    external = by_ref[("production", "v1.1.0")]  # made through the API: no job
    assert (external.status, external.extra["job"], external.finished_at) == (
        "success",
        None,
        external.updated_at,
    )
    running = by_ref[("staging", "main")]
    assert (running.status, running.finished_at) == ("in_progress", None)
    assert by_ref[("staging", "v1.0.0")].extra["pipeline_id"] is None
    pipelines = [p for p in stored(store, [Kind.PIPELINE]) if isinstance(p, Pipeline)]
    assert sorted(p.extra["iid"] is None for p in pipelines) == [False, False, True]
    incidents = by_title(store, Incident)
    backlog, disk = incidents["Queue backlog"], incidents["Disk full"]
    assert (backlog.body, backlog.closed_at, backlog.extra["closed_by"]) == ("", None, None)
    assert disk.extra["severity"] is None and disk.closed_at is not None
    decisions = stored(store, [Kind.DECISION])
    assert [d.repo.path for d in decisions] == ["acme/platform"]
