"""Untrusted Markdown comes out as a small, inert subset of HTML."""

from __future__ import annotations

from bs4 import BeautifulSoup

from renderer.markdown import ALLOWED_TAGS, BODY_LIMIT, render_markdown, render_plain
from tests.renderer.site_files import attr


def soup_of(markdown: str) -> BeautifulSoup:
    return BeautifulSoup(str(render_markdown(markdown).html), "html.parser")


def test_raw_html_is_text_not_markup() -> None:
    soup = soup_of('<script>alert(1)</script> <img src=x onerror=alert(1)> <b onclick="x">b</b>')
    assert soup.find(["script", "img", "b"]) is None
    assert soup.get_text().strip() == (
        '<script>alert(1)</script> <img src=x onerror=alert(1)> <b onclick="x">b</b>'
    )


def test_only_http_https_and_mailto_links_survive() -> None:
    soup = soup_of(
        "[a](https://ok.example/a) [b](mailto:me@example.com) [c](javascript:alert(1)) "
        "[d](data:text/html,x) [e](vbscript:x) [f](docs/adr.md) [g](#frag)"
    )
    hrefs = [attr(a, "href") for a in soup.find_all("a") if a.has_attr("href")]
    assert hrefs == ["https://ok.example/a", "mailto:me@example.com"]
    # Relative links point into the forge, not this site: the text stays, the link goes.
    assert "f" in soup.get_text() and "g" in soup.get_text()


def test_links_get_nofollow_and_ugc() -> None:
    [link] = soup_of("[a](https://ok.example/a)").find_all("a")
    assert set(link.get_attribute_list("rel")) == {"nofollow", "noopener", "noreferrer", "ugc"}


def test_images_become_links_or_text_never_images() -> None:
    soup = soup_of(
        "![chart *one*](https://img.example/c.png) ![pixel](data:image/png;base64,AAAA) "
        "[![badge](https://img.example/b.svg)](https://ci.example/)"
    )
    assert soup.find("img") is None
    links = {a.get_text(): attr(a, "href") for a in soup.find_all("a")}
    assert links == {"chart one": "https://img.example/c.png", "badge": "https://ci.example/"}
    assert "pixel" in soup.get_text()


def test_headings_are_demoted_below_the_page_sections() -> None:
    soup = soup_of("# One\n\n## Two\n\n### Three\n\n#### Four\n\n# One again")
    assert [h.name for h in soup.find_all(True)] == ["h3", "h4", "h5", "h6", "h3"]


def test_headings_never_skip_a_level_whatever_the_author_wrote() -> None:
    # The page's h2 is followed by h3: a body starting at "##" or jumping to "######"
    # would break the outline (an accessibility and HTML-validity problem).
    soup = soup_of("## Context\n\n###### Deep\n\n## Decision\n\ntext")
    assert [h.name for h in soup.find_all(["h3", "h4", "h5", "h6"])] == ["h3", "h4", "h3"]


def test_no_classes_ids_or_styles_from_input() -> None:
    soup = soup_of("```python\nx = 1\n```\n\n| a |\n|--:|\n| 1 |\n\n~~gone~~")
    for tag in soup.find_all(True):
        assert tag.name in ALLOWED_TAGS
        assert not ({"class", "id", "style"} & set(tag.attrs)), tag
    assert soup.find("table") is not None and soup.find("s") is not None


def test_long_bodies_are_cut_and_flagged() -> None:
    body = render_markdown("word " * (BODY_LIMIT // 2))
    assert body.truncated
    assert len(BeautifulSoup(str(body.html), "html.parser").get_text()) <= BODY_LIMIT
    assert not render_markdown("short").truncated


def test_plain_text_is_escaped_and_preformatted() -> None:
    soup = BeautifulSoup(str(render_plain("a <b>\n\n  c\u202e").html), "html.parser")
    [pre] = soup.find_all(True)
    assert pre.name == "pre" and pre.get_text() == "a <b>\n\n  c"
