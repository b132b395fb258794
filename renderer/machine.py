"""Machine-readable files: ``ledger.json`` and its JSON Schema, ``sitemap.xml``, ``robots.txt``.

``ledger.json`` is described by the pydantic models below; ``ledger.schema.json``
is generated from them on every render, so the two cannot drift. Like the
feeds, neither carries the build time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Literal
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict, Field

from renderer.model import EvidenceEntry, SiteModel

LEDGER = "ledger.json"
LEDGER_SCHEMA = "ledger.schema.json"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
LEDGER_VERSION = 1
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


class _Schema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LedgerCategory(_Schema):
    """A stage of the evidence trail the item belongs to, and why."""

    slug: Literal["architecture", "merge-request", "deployment", "monitoring"]
    title: str
    reasons: list[str] = Field(description="Why the item is in this stage, in sentences.")
    trace: list[str] = Field(
        description="The classifier's own trace (the rule and what matched); for redacted "
        "items the sentences, which name nothing that matched."
    )


class LedgerItem(_Schema):
    """One surfaced item. Redacted items carry only kind, date, stages, systems and size."""

    url: str = Field(description="Absolute URL of the item's page on this site.")
    kind: str = Field(
        description="merge_request, commit, release, tag, deployment, pipeline, incident or "
        "decision."
    )
    redacted: bool = Field(description="True for work in a private repository shown redacted.")
    title: str
    event: str = Field(description="What the date is: Merged, Published, Committed, ...")
    event_at: datetime = Field(description="When it happened (UTC).")
    categories: list[LedgerCategory]
    systems: list[str] = Field(description="Slugs of the configured systems it belongs to.")
    forge: Literal["github", "gitlab"] | None = None
    repository: str | None = Field(None, description="owner/name or group path.")
    repository_url: str | None = None
    reference: str | None = Field(None, description="#42, !42, a short sha, a tag, ...")
    author: str | None = None
    source_url: str | None = Field(None, description="Permalink to the item on its forge.")
    collected_at: datetime | None = Field(None, description="When it was first collected (UTC).")
    labels: list[str] = []
    state: str | None = None
    size: str | None = Field(None, description="+added −deleted in N files, when known.")


class LedgerSystem(_Schema):
    slug: str
    name: str
    status: str
    url: str = Field(description="Absolute URL of the system's dossier.")
    evidence_count: int


class LedgerCounts(_Schema):
    """The numbers the pages show, under the definition stated beside them."""

    definition: str = Field(description="What is counted, as the pages say it.")
    items: int = Field(description="Surfaced items: the length of ``items``.")
    stages: dict[str, int] = Field(
        description="Items per stage slug; an item in two stages counts in both."
    )
    kinds: dict[str, int] = Field(description="Items per kind.")
    systems: dict[str, int] = Field(description="Items per system slug.")
    redacted: int = Field(description="Items from private repositories, shown redacted.")


class LedgerDocument(_Schema):
    """Every surfaced item of an Evidence Ledger site, newest first."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="Evidence Ledger",
        json_schema_extra={"$id": "ledger.schema.json"},
    )

    schema_url: str = Field(alias="$schema", description="URL of this document's JSON Schema.")
    version: Literal[1] = Field(description="Format version; bumped on incompatible change.")
    title: str
    owner: str
    home_page_url: str
    updated_at: datetime = Field(description="Time of the newest item (UTC).")
    counts: LedgerCounts
    systems: list[LedgerSystem]
    items: list[LedgerItem]


def _forge(slug: str | None) -> Literal["github", "gitlab"] | None:
    if slug == "github":
        return "github"
    return "gitlab" if slug == "gitlab" else None


def _item(site: SiteModel, entry: EvidenceEntry) -> LedgerItem:
    return LedgerItem(
        url=site.identity.base_url + entry.path,
        kind=entry.kind.value,
        redacted=entry.redacted,
        title=entry.title,
        event=entry.event_label,
        event_at=entry.event_at,
        categories=[
            LedgerCategory(
                slug=c.stage.category.value,
                title=c.stage.title,
                reasons=list(c.reasons),
                trace=list(c.trace),
            )
            for c in entry.categories
        ],
        systems=[s.slug for s in entry.systems],
        forge=_forge(entry.forge_slug),
        repository=entry.repository.text if entry.repository else None,
        repository_url=entry.repository.href if entry.repository else None,
        reference=entry.reference,
        author=entry.author,
        source_url=entry.source.href if entry.source else None,
        collected_at=entry.collected_at,
        labels=list(entry.labels),
        state=entry.state,
        size=entry.size,
    )


def _counts(site: SiteModel) -> LedgerCounts:
    counts = site.counts
    return LedgerCounts(
        definition=counts.definition,
        items=counts.items,
        stages={s.stage.category.value: s.count for s in site.categories},
        kinds={k.kind.value: k.count for k in counts.kinds},
        systems={s.slug: s.evidence_count for s in site.systems},
        redacted=counts.redacted,
    )


def ledger_document(site: SiteModel) -> LedgerDocument:
    base = site.identity.base_url
    return LedgerDocument.model_validate(
        {
            "$schema": base + LEDGER_SCHEMA,
            "version": LEDGER_VERSION,
            "title": site.identity.title,
            "owner": site.identity.owner,
            "home_page_url": base,
            "updated_at": site.updated_at,
            "counts": _counts(site),
            "systems": [
                LedgerSystem(
                    slug=s.slug,
                    name=s.name,
                    status=s.status,
                    url=base + s.path,
                    evidence_count=s.evidence_count,
                )
                for s in site.systems
            ],
            "items": [_item(site, entry) for entry in site.entries],
        }
    )


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def ledger_schema() -> dict[str, object]:
    return LedgerDocument.model_json_schema(by_alias=True, mode="serialization")


def sitemap(site: SiteModel, pages: Iterable[str]) -> bytes:
    base = site.identity.base_url
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path in sorted(pages):
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = base if path == "index.html" else base + path
    ET.indent(urlset)
    body: bytes = ET.tostring(urlset, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def robots(site: SiteModel) -> bytes:
    # Crawlers read robots.txt only at a host's root; under a sub-path this copy is
    # harmless and the sitemap line still helps whoever serves the root.
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.identity.base_url}{SITEMAP}\n".encode()


def machine_files(site: SiteModel, pages: Iterable[str]) -> dict[str, bytes]:
    document = ledger_document(site).model_dump(mode="json", by_alias=True)
    return {
        LEDGER: _json(document),
        LEDGER_SCHEMA: _json(ledger_schema()),
        SITEMAP: sitemap(site, pages),
        ROBOTS: robots(site),
    }
