"""Extract, from GitHub's OpenAPI description, what it says about the fields the collector reads.

    uv run python -m scripts.github_openapi_fields              # npm pack the pinned version
    uv run python -m scripts.github_openapi_fields --package octokit-openapi-23.0.2.tgz

For each endpoint in ``tests/fakes/github_reads.py`` (``READS``) it finds the
200 answer's schema in ``generated/api.github.com.json`` of the npm package
``@octokit/openapi`` (GitHub's own description, republished), walks every read
path and its prefixes, and writes whether the field may be null and whether it
may be left out to ``tests/fakes/github_openapi_fields.json``: a few kilobytes
instead of a 13 MB description, so the tests run offline and say exactly which
published version they hold the fake to. A read path the description does not
have is an error (a typo, or GitHub changed the field): nothing is written.

Null, as the description spells it (OpenAPI 3.0 with 3.1 habits here and
there): ``nullable: true``, a ``type`` list with ``"null"``, or a ``oneOf`` /
``anyOf`` alternative that is null. Left out: a field is optional unless every
alternative of its parent object lists it in ``required`` (an ``allOf`` joins
its parts' lists), so ``oneOf: [simple-user, empty-object]`` makes ``login``
optional, as ``{}`` is a valid answer.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.github_reads import READS
from tests.fakes.reads import Reads, read_paths

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "fakes" / "github_openapi_fields.json"
PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
DESCRIPTION = "generated/api.github.com.json"  # inside the package; api.github.com, not GHES

Schema = Mapping[str, Any]


class NotDescribed(Exception):
    """A read path the description does not have."""


@dataclass(frozen=True)
class Node:
    """A schema with the component name it came from (for the reader of the output)."""

    schema: Schema
    name: str


class Description:
    """GitHub's OpenAPI document, with ``$ref`` resolution."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document

    def resolve(self, schema: Schema, name: str) -> Node:
        seen: set[str] = set()
        while "$ref" in schema:
            ref = str(schema["$ref"])
            if ref in seen:
                raise NotDescribed(f"{ref}: refers to itself")
            seen.add(ref)
            name = ref.rsplit("/", 1)[-1]
            target: Any = self._document
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            # OpenAPI 3.0 ignores a $ref's siblings; GitHub puts none that matter beside it.
            schema = target
        return Node(schema, name)

    def answer(self, reads: Reads) -> Node:
        """The schema of the 200 JSON answer of ``reads.endpoint`` (its variant, if named)."""
        method, _, path = reads.endpoint.partition(" ")
        try:
            operation = self._document["paths"][path][method.lower()]
            content = operation["responses"]["200"]["content"]["application/json"]
        except KeyError:
            raise NotDescribed(f"{reads.endpoint}: no 200 JSON answer described") from None
        root = self.resolve(content["schema"], "object")
        if not reads.variant:
            return root
        for alternative in root.schema.get("oneOf", []) + root.schema.get("anyOf", []):
            node = self.resolve(alternative, "")
            if node.name == reads.variant:
                return node
        raise NotDescribed(f"{reads.key}: no alternative {reads.variant!r} in the answer")

    def nullable(self, node: Node) -> bool:
        schema = node.schema
        kind = schema.get("type")
        if schema.get("nullable") is True or kind == "null":
            return True
        if isinstance(kind, list) and "null" in kind:
            return True
        alternatives = [*schema.get("oneOf", []), *schema.get("anyOf", [])]
        return any(self.nullable(self.resolve(a, node.name)) for a in alternatives)

    def alternatives(self, node: Node) -> list[Node]:
        """The shapes a value may take: ``oneOf``/``anyOf`` spread out, ``allOf`` joined."""
        schema = node.schema
        choices = [*schema.get("oneOf", []), *schema.get("anyOf", [])]
        if choices:
            return [
                shape
                for choice in choices
                for shape in self.alternatives(self.resolve(choice, node.name))
            ]
        parts = schema.get("allOf")
        if parts:
            joined: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            for part in parts:
                for shape in self.alternatives(self.resolve(part, node.name)):
                    joined["properties"].update(shape.schema.get("properties", {}))
                    joined["required"].extend(shape.schema.get("required", []))
                    if "items" in shape.schema:
                        joined["items"] = shape.schema["items"]
                        joined["type"] = shape.schema.get("type", "object")
            return [Node(joined, node.name)]
        return [node]


@dataclass(frozen=True)
class Field:
    nullable: bool
    required: bool
    schemas: tuple[str, ...]  # where the field is described

    def as_json(self) -> dict[str, Any]:
        return {"nullable": self.nullable, "required": self.required, "in": list(self.schemas)}


def field_of(description: Description, root: Node, path: str) -> Field:
    """Walk ``path`` from ``root``; the last step's field, as the description has it."""
    nodes = [root]
    found = Field(nullable=False, required=True, schemas=())
    for segment in path.split("."):
        name, items = segment.removesuffix("[]"), segment.endswith("[]")
        if name:
            objects = [
                shape
                for node in nodes
                for shape in description.alternatives(node)
                if shape.schema.get("type", "object") == "object"
            ]
            holders = [o for o in objects if name in o.schema.get("properties", {})]
            if not holders:
                raise NotDescribed(f"{path}: no field {name!r} in {_names(objects)}")
            children = [description.resolve(o.schema["properties"][name], o.name) for o in holders]
            found = Field(
                nullable=any(description.nullable(child) for child in children),
                required=all(name in o.schema.get("required", []) for o in objects),
                schemas=tuple(sorted({o.name for o in holders})),
            )
            nodes = children
        if items:
            arrays = [
                shape
                for node in nodes
                for shape in description.alternatives(node)
                if shape.schema.get("type") == "array"
            ]
            if not arrays:
                raise NotDescribed(f"{path}: {segment!r} is not an array")
            nodes = [description.resolve(a.schema["items"], a.name) for a in arrays]
    return found


def _shape_name(description: Description, root: Node) -> str:
    """``commit``, ``commit[]`` (a list of them) or ``object`` (described in place)."""
    if root.schema.get("type") == "array" and root.name == "object":
        return _shape_name(description, description.resolve(root.schema["items"], "object")) + "[]"
    return root.name


def _names(nodes: Iterable[Node]) -> str:
    return ", ".join(sorted({node.name for node in nodes})) or "nothing"


def extract(document: Mapping[str, Any], reads: Iterable[Reads]) -> dict[str, Any]:
    """The output document; raises ``NotDescribed`` listing every path not found."""
    description = Description(document)
    endpoints: dict[str, Any] = {}
    missing: list[str] = []
    for entry in reads:
        try:
            root = description.answer(entry)
        except NotDescribed as exc:
            missing.append(str(exc))
            continue
        fields: dict[str, Any] = {}
        for path in read_paths(entry):
            try:
                fields[path] = field_of(description, root, path).as_json()
            except NotDescribed as exc:
                missing.append(f"{entry.key}: {exc}")
        endpoints[entry.key] = {"schema": _shape_name(description, root), "fields": fields}
    if missing:
        raise NotDescribed("\n".join(missing))
    info = document.get("info", {})
    return {
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "file": DESCRIPTION,
            "info_version": info.get("version"),
            "regenerate": "uv run python -m scripts.github_openapi_fields",
        },
        "endpoints": endpoints,
    }


def dumps(extracted: Mapping[str, Any]) -> str:
    """JSON with one line per field, so a new release's changes read as a short diff."""
    lines = [
        "{",
        f' "source": {json.dumps(extracted["source"], sort_keys=True)},',
        ' "endpoints": {',
    ]
    endpoints = sorted(extracted["endpoints"].items())
    for number, (key, entry) in enumerate(endpoints):
        lines.append(f"  {json.dumps(key)}: {{")
        lines.append(f'   "schema": {json.dumps(entry["schema"])},')
        lines.append('   "fields": {')
        fields = sorted(entry["fields"].items())
        lines += [
            f"    {json.dumps(path)}: {json.dumps(spec, sort_keys=True)}"
            + ("," if index < len(fields) - 1 else "")
            for index, (path, spec) in enumerate(fields)
        ]
        lines.append("   }")
        lines.append("  }" + ("," if number < len(endpoints) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def load_description(package: Path | None) -> dict[str, Any]:
    """The description from a package tarball or folder, or from ``npm pack`` of the pin."""
    with tempfile.TemporaryDirectory(prefix="github-openapi-") as scratch:
        if package is None:
            subprocess.run(
                ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],
                cwd=scratch,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            (package,) = Path(scratch).glob("*.tgz")
        if package.is_dir():
            text = (package / DESCRIPTION).read_text(encoding="utf-8")
        else:
            with tarfile.open(package) as archive:
                member = archive.extractfile(f"package/{DESCRIPTION}")
                if member is None:
                    raise NotDescribed(f"{package}: no {DESCRIPTION}")
                text = member.read().decode("utf-8")
    document: dict[str, Any] = json.loads(text)
    version = document.get("info", {}).get("version")
    if version != VERSION:
        raise NotDescribed(f"{package}: holds version {version}, not the pinned {VERSION}")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--package", type=Path, help=f"{PACKAGE} {VERSION} as a .tgz or an unpacked folder"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        extracted = extract(load_description(args.package), READS)
    except NotDescribed as exc:
        print(f"not in {PACKAGE} {VERSION}:\n{exc}", file=sys.stderr)
        return 1
    args.output.write_text(dumps(extracted), "utf-8")
    count = sum(len(e["fields"]) for e in extracted["endpoints"].values())
    print(f"{args.output}: {count} fields of {len(extracted['endpoints'])} answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
