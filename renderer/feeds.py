"""Atom and JSON Feed documents of the journal: site-wide and one per stage.

Built with ElementTree and ``json`` rather than templates, so every forge
string is escaped by the serialiser. A feed's "updated" time is its newest
entry's, never the build time: an unchanged ledger gives unchanged feeds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from renderer.model import EvidenceEntry, SiteModel
from renderer.pages import SITE_FEED, FeedRef
from renderer.plan import category_feed

FEED_SIZE = 50
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def summary(entry: EvidenceEntry) -> str:
    """One line saying what the entry is, without anything a redacted entry hides."""
    parts = [entry.kind_label + (f" {entry.reference}" if entry.reference else "")]
    if entry.repository:
        parts.append(f"in {entry.repository.text}")
    stages = ", ".join(c.stage.title for c in entry.categories)
    systems = ", ".join(s.name for s in entry.systems)
    text = " ".join(parts) + f" · {entry.event_label} {entry.event_at:%Y-%m-%d} · {stages}"
    return text + (f" · {systems}" if systems else "")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def atom_feed(site: SiteModel, ref: FeedRef, entries: Sequence[EvidenceEntry]) -> bytes:
    base = site.identity.base_url
    shown = entries[:FEED_SIZE]
    updated = shown[0].event_at if shown else site.updated_at
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": site.identity.language})
    _sub(feed, "title", f"{site.identity.title}: {ref.title}")
    _sub(
        feed, "subtitle", site.identity.tagline or f"Engineering evidence of {site.identity.owner}"
    )
    _sub(feed, "id", base + ref.atom)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=base + ref.atom)
    _sub(feed, "link", rel="alternate", type="text/html", href=base)
    _sub(feed, "updated", _iso(updated))
    author = _sub(feed, "author")
    _sub(author, "name", site.identity.owner)
    _sub(feed, "generator", "Evidence Ledger")
    for entry in shown:
        item = _sub(feed, "entry")
        _sub(item, "title", entry.title)
        _sub(item, "id", base + entry.path)
        _sub(item, "link", rel="alternate", type="text/html", href=base + entry.path)
        _sub(item, "updated", _iso(entry.event_at))
        _sub(item, "published", _iso(entry.event_at))
        for category in entry.categories:
            _sub(item, "category", term=category.stage.category.value, label=category.stage.title)
        _sub(item, "summary", summary(entry))
        if entry.body is not None:
            _sub(item, "content", str(entry.body.at(site.identity.base_url)), type="html")
    return _xml(feed)


def json_feed(site: SiteModel, ref: FeedRef, entries: Sequence[EvidenceEntry]) -> bytes:
    base = site.identity.base_url
    items = []
    for entry in entries[:FEED_SIZE]:
        item: dict[str, object] = {
            "id": base + entry.path,
            "url": base + entry.path,
            "title": entry.title,
            "summary": summary(entry),
            "date_published": _iso(entry.event_at),
            "tags": [c.stage.category.value for c in entry.categories],
        }
        if entry.body is not None:
            item["content_html"] = str(entry.body.at(site.identity.base_url))
        else:
            item["content_text"] = summary(entry)
        if entry.source is not None and entry.source.href:
            item["external_url"] = entry.source.href
        items.append(item)
    document = {
        "version": JSON_FEED_VERSION,
        "title": f"{site.identity.title}: {ref.title}",
        "home_page_url": base,
        "feed_url": base + ref.json,
        "language": site.identity.language,
        "authors": [{"name": site.identity.owner}],
        "items": items,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def feed_files(site: SiteModel) -> dict[str, bytes]:
    """Every feed, by site-relative path."""
    feeds = [(SITE_FEED, site.entries)]
    for section in site.categories:
        ref = category_feed(section.stage.category.value, section.stage.title)
        feeds.append((ref, section.entries))
    files: dict[str, bytes] = {}
    for ref, entries in feeds:
        files[ref.atom] = atom_feed(site, ref, entries)
        files[ref.json] = json_feed(site, ref, entries)
    return files
