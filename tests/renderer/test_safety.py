"""Forge text is hostile and private work stays private, in every file the renderer writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import renderer
from tests.renderer.builders import (
    BAD_URLS,
    LONG,
    SECRET_MARKERS,
    Inputs,
    hostile_inputs,
)
from tests.renderer.site_files import foreign_scripts, html_pages, one, read_tree

SAFE_SCHEMES = {"http", "https", "mailto"}
# Elements that run code, load something, or change where links and forms go.
ACTIVE_ELEMENTS = ["iframe", "object", "embed", "form", "base", "math"]
# The site's own charts (renderer.charts) are inline SVG of these elements only: no links,
# no <use>, <image>, <foreignObject> or animation that forge text could ride in on.
CHART_ELEMENTS = {"svg", "title", "desc", "text", "rect", "line", "circle"}
INVISIBLE = "\u202e\u200b\u2066\u2069"


def scheme_of(url: str) -> str:
    """The scheme a browser would see: it strips tabs, newlines and leading controls first."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("".join(chr(c) for c in range(0x21)))
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


def assert_inert(path: str, soup: BeautifulSoup) -> None:
    assert foreign_scripts(soup) == [], f"{path}: <script>"
    for name in ACTIVE_ELEMENTS:
        assert soup.find(name) is None, f"{path}: <{name}>"
    for img in soup.find_all("img"):  # only the site's own card, offered on the home page
        assert path == "index.html" and img.get("src") == "card.svg", f"{path}: <img>"
    for svg in soup.find_all("svg"):
        assert svg.get("class") == ["chart-svg"], f"{path}: an <svg> that is not a chart"
        assert svg.find_parent("figure") is not None, path
        inside = {tag.name for tag in svg.find_all(True)}
        assert inside <= CHART_ELEMENTS, f"{path}: {sorted(inside - CHART_ELEMENTS)} in a chart"
    for tag in soup.find_all(True):
        for attribute, value in tag.attrs.items():
            assert not attribute.lower().startswith("on"), f"{path}: {attribute} on <{tag.name}>"
            assert attribute.lower() not in {"style", "srcdoc", "formaction"}, path
            if attribute.lower() in {"href", "src", "action", "cite"}:
                assert isinstance(value, str)
                assert scheme_of(value) in SAFE_SCHEMES | {""}, f"{path}: {attribute}={value!r}"
        equiv = tag.get("http-equiv")
        assert not (isinstance(equiv, str) and equiv.lower() == "refresh"), path


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("hostile") / "site"
    hostile_inputs().render(output)
    return output


def test_scheme_check_sees_through_browser_url_quirks() -> None:
    # The checker itself must catch what a browser would run.
    assert [scheme_of(url) for url in BAD_URLS] == [
        "javascript",
        "javascript",
        "data",
        "javascript",
        "vbscript",
    ]
    assert scheme_of("items/x.html") == scheme_of("#main") == ""


def test_hostile_content_is_inert_in_every_file(hostile_site: Path) -> None:
    pages = html_pages(hostile_site)
    # 10 merge requests, a release, a commit, an ADR, an incident and a deployment
    assert len([p for p in pages if p.startswith("items/")]) == 15
    for path, soup in pages.items():
        assert_inert(path, soup)
        assert len(soup.find_all("h1")) == 1, path
        assert soup.find("footer") is not None, path


def test_hostile_markup_is_shown_as_text(hostile_site: Path) -> None:
    pages = html_pages(hostile_site)
    [mr] = [soup for path, soup in pages.items() if "-mr-1-" in path]
    assert one(mr, "h1").get_text() == "<script>alert(1)</script> deploy"
    assert "<img src=x onerror=alert(1)>" in one(mr, ".provenance").get_text()
    body = one(mr, ".body").get_text()
    assert "[x](javascript:alert(1))" in body
    assert '<a href="javascript:alert(2)">click</a>' in body


def test_unsafe_record_urls_render_as_text_not_links(hostile_site: Path) -> None:
    for path, soup in html_pages(hostile_site).items():
        if not path.startswith("items/"):
            continue
        source = one(soup, ".permalink")
        assert source.find("a") is None, path
        assert source.get_text() in {url.strip() for url in BAD_URLS} | {
            url.replace("\t", " ") for url in BAD_URLS
        }
        repository = one(soup, ".provenance").get_text()
        assert "evil-org/" in repository  # the repository's javascript: URL is text too


def test_invisible_and_bidi_characters_never_reach_a_page(hostile_site: Path) -> None:
    for path, content in read_tree(hostile_site).items():
        if path.startswith("pagefind/"):  # the search index (gzip), built from these pages
            continue
        if path.endswith(".png"):  # link previews: pixels, drawn from the same cleaned text
            assert content.startswith(b"\x89PNG\r\n\x1a\n"), path
            continue
        decoded = content.decode("utf-8")
        assert not any(char in decoded for char in INVISIBLE), path


def test_oversized_titles_are_cut_but_the_page_still_renders(hostile_site: Path) -> None:
    for path, soup in html_pages(hostile_site).items():
        h1 = one(soup, "h1").get_text()
        assert len(h1) <= 300, path
        title = one(soup, "head > title").get_text()
        assert len(title) <= 400, path
    # The full text is reachable at the source, not dumped into the heading.
    assert LONG not in "".join(one(s, "h1").get_text() for s in html_pages(hostile_site).values())


def test_hostile_names_never_build_file_names(hostile_site: Path) -> None:
    for path in read_tree(hostile_site):
        assert re.fullmatch(
            r"((items|ledger|systems|proves|feeds|previews)/)?[a-z0-9][a-z0-9.-]*"
            r"|\.evidence-ledger"
            r"|pagefind/((fragment|index|filter)/)?[a-z0-9_.-]+",  # Pagefind's hashed names
            path,
        ), path


def test_private_items_are_redacted_everywhere(sample: Inputs, sample_site: Path) -> None:
    tree = read_tree(sample_site)
    for path, content in tree.items():
        for marker in SECRET_MARKERS:
            assert marker.encode() not in content, f"{marker!r} leaked into {path}"
    redacted = [p for p in tree if p.startswith("items/private-")]
    assert len(redacted) == 2
    for path in redacted:
        assert re.fullmatch(r"items/private-[0-9a-f]{12}\.html", path)
        soup = BeautifulSoup(tree[path], "html.parser")
        h1 = one(soup, "h1").get_text()
        assert h1 in {
            "Merge request in a private repository of OCM Brain, 2025-02-03",
            "Commit in a private repository of OCM Brain, 2025-02-04",
        }
        assert one(soup, ".provenance").find("a") is None
        assert "OCM Brain" in soup.get_text()  # system and stage stay visible
    deployment = BeautifulSoup(tree["deployment.html"], "html.parser")
    assert "Merge request in a private repository" in deployment.get_text()


def test_only_the_sanitiser_marks_html_as_safe() -> None:
    # Templates never bypass autoescaping; Markup(...) wraps nh3's output, or a literal.
    package = Path(renderer.__file__).parent
    for template in (package / "templates").glob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup", source), template.name
    makers = {
        module.name
        for module in package.glob("*.py")
        if re.search(r"\bMarkup\(", module.read_text(encoding="utf-8"))
    }
    assert makers == {"markdown.py", "charts.py", "previews.py"}
    # Charts and link previews mark only string literals (their SVG templates) as safe;
    # every value goes through Markup.format, which escapes it.
    for drawing in ("charts.py", "previews.py"):
        source = (package / drawing).read_text(encoding="utf-8")
        calls = re.findall(r"\bMarkup\(\s*(.)", source)
        assert calls and set(calls) <= {"'", '"'}, (drawing, calls)
