"""Feeds, ledger.json and its schema, sitemap, robots.txt, the SVG card and meta tags."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser  # type: ignore[import-untyped]
import jsonschema
import pytest

from config.models import EvidenceConfig
from renderer.machine import LedgerDocument, ledger_schema
from tests.renderer.builders import (
    SYSTEMS,
    Inputs,
    hostile_inputs,
    make_config,
    make_inputs,
    sample_items,
    sample_repositories,
)
from tests.renderer.site_files import attr, html_pages, one, parse

BASE = "https://dana.example/evidence/"


def load(site: Path, path: str) -> dict[str, object]:
    document: dict[str, object] = json.loads((site / path).read_text(encoding="utf-8"))
    return document


def test_the_atom_feed_parses_with_a_real_feed_parser(sample: Inputs, sample_site: Path) -> None:
    feed = feedparser.parse((sample_site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Engineering Notebook: All evidence"
    entries = sample.model().entries
    assert [e.link for e in feed.entries] == [BASE + entry.path for entry in entries]
    assert feed.entries[0].updated == "2025-02-15T09:00:00Z"  # v1.9.0-rc1, day 45
    architecture = feedparser.parse((sample_site / "feeds/architecture.xml").read_bytes())
    assert not architecture.bozo
    assert {e.title for e in architecture.entries} == {
        "Move scoring to async workers",
        "Write down the storage decision",
    }
    for entry in architecture.entries:
        assert [t.term for t in entry.tags] == ["architecture"]


def test_the_json_feed_follows_version_1_1(sample: Inputs, sample_site: Path) -> None:
    feed = load(sample_site, "feed.json")
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == BASE + "feed.json" and feed["home_page_url"] == BASE
    items = feed["items"]
    assert isinstance(items, list) and len(items) == len(sample.model().entries)
    for item in items:
        assert {"id", "url", "title", "date_published"} <= item.keys()
        assert ("content_html" in item) != ("content_text" in item)
        assert item["url"].startswith(BASE)
    monitoring = load(sample_site, "feeds/monitoring.json")["items"]
    assert isinstance(monitoring, list)
    assert {tuple(item["tags"]) for item in monitoring} == {("monitoring",)}


def test_pages_announce_their_feeds(sample_site: Path) -> None:
    page = parse(sample_site / "deployment.html")
    feeds = {attr(link, "href") for link in page.select('link[rel="alternate"]')}
    assert feeds == {"feed.xml", "feed.json", "feeds/deployment.xml", "feeds/deployment.json"}


def test_ledger_json_validates_against_its_published_schema(
    sample: Inputs, sample_site: Path
) -> None:
    document = load(sample_site, "ledger.json")
    schema = load(sample_site, "ledger.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert schema == ledger_schema()
    assert document["$schema"] == BASE + "ledger.schema.json"
    items = document["items"]
    assert isinstance(items, list) and len(items) == 10
    redacted = [i for i in items if i["redacted"]]
    assert len(redacted) == 2
    for item in redacted:
        assert (item["repository"], item["source_url"], item["author"]) == (None, None, None)
    LedgerDocument.model_validate(document)  # and it reads back into the model


def test_the_schema_rejects_what_the_format_does_not_allow(sample_site: Path) -> None:
    document = load(sample_site, "ledger.json")
    schema = load(sample_site, "ledger.schema.json")
    broken = dict(document, items=[{"url": BASE}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_sitemap_lists_every_page_and_robots_points_to_it(sample_site: Path) -> None:
    tree = ET.parse(sample_site / "sitemap.xml")  # noqa: S314 - our own output
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [loc.text for loc in tree.getroot().findall("s:url/s:loc", ns)]
    pages = sorted(html_pages(sample_site))
    expected = sorted(BASE + ("" if p == "index.html" else p) for p in pages)
    assert sorted(u for u in urls if u) == expected
    robots = (sample_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE}sitemap.xml" in robots.splitlines()


def sub_path_inputs() -> Inputs:
    config = make_config(SYSTEMS).model_dump()
    config["site"]["base_url"] = "https://dana-dev.github.io/notebook"  # no trailing slash
    return make_inputs(EvidenceConfig.model_validate(config), sample_repositories(), sample_items())


def test_canonical_and_open_graph_urls_work_under_a_sub_path(tmp_path: Path) -> None:
    sub_path_inputs().render(tmp_path / "site")
    base = "https://dana-dev.github.io/notebook/"
    for path, soup in html_pages(tmp_path / "site").items():
        canonical = attr(one(soup, 'link[rel="canonical"]'), "href")
        assert canonical == base + ("" if path == "index.html" else path)
        assert attr(one(soup, 'meta[property="og:url"]'), "content") == canonical
        assert attr(one(soup, 'meta[property="og:title"]'), "content")
        assert attr(one(soup, 'meta[name="description"]'), "content")
    [item] = (tmp_path / "site/items").glob("payments-api-mr-42-*.html")
    assert attr(one(parse(item), 'meta[property="og:type"]'), "content") == "article"
    feed = feedparser.parse((tmp_path / "site/feed.xml").read_bytes())
    assert all(e.link.startswith(base + "items/") for e in feed.entries)


def test_the_card_is_plain_svg_with_escaped_text(sample_site: Path, tmp_path: Path) -> None:
    card = ET.parse(sample_site / "card.svg").getroot()  # noqa: S314 - our own output
    assert card.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in card.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "Dana Developer"
    assert "10 items of evidence" in str(texts[2])
    config = make_config().model_dump()
    config["site"]["owner"] = '<script>alert(1)</script>"&'
    hostile = hostile_inputs()
    inputs = Inputs(EvidenceConfig.model_validate(config), hostile.snapshot, hostile.classified)
    inputs.render(tmp_path / "site")
    raw = (tmp_path / "site/card.svg").read_text(encoding="utf-8")
    assert "<script" not in raw
    root = ET.fromstring(raw)  # noqa: S314 - our own output, and it must stay well-formed
    names = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert names <= {"svg", "title", "desc", "rect", "text", "line"}


def test_the_cards_labels_do_not_overlap(sample_site: Path) -> None:
    # Each text's box, at a generous 0.62 em per character, must not reach into the next
    # text on its line, nor past the card's edge.
    card = ET.parse(sample_site / "card.svg").getroot()  # noqa: S314 - our own output
    width = float(card.get("width", "0"))
    boxes: dict[float, list[tuple[float, float]]] = {}
    for text in card.iter("{http://www.w3.org/2000/svg}text"):
        x, size = float(text.get("x", "0")), float(text.get("font-size", "0"))
        boxes.setdefault(float(text.get("y", "0")), []).append(
            (x, x + len(text.text or "") * size * 0.62)
        )
    assert len(boxes) >= 5  # name, role, summary, two rows of stage counts
    for row in boxes.values():
        row.sort()
        assert row[-1][1] <= width - 10, row
        for (_, end), (start, _) in itertools.pairwise(row):
            assert end <= start, row
