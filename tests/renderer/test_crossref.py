"""Cross-references become links: to the item's page when it is on the site, else the forge.

Forge text is hostile: a reference never becomes HTML except through link tokens
the sanitiser sees, and forge text cannot forge a link into the site.
"""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from collector.model.records import Decision
from renderer.crossref import Reference, ReferenceIndex
from renderer.markdown import SITE_PREFIX, render_markdown, render_plain
from tests.renderer.builders import (
    IMG,
    PAYMENTS,
    SCRIPT,
    TERRAFORM,
    commit,
    day,
    make_config,
    make_inputs,
    merge_request,
    repository,
    stored,
)
from tests.renderer.site_files import attr, parse

SHA = "7f3a2e4c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f"
OTHER_SHA = "aaaa111122223333444455556666777788889999"


def _index() -> ReferenceIndex:
    index = ReferenceIndex()
    index.add_repository(PAYMENTS, "https://github.com/acme-corp/payments-api")
    index.add_repository(
        TERRAFORM, "https://gitlab.example.com/platform-team/infra/terraform-modules"
    )
    index.add_item(merge_request(PAYMENTS, 12, "On the site"), "items/mr-12.html")
    index.add_item(merge_request(PAYMENTS, 13, "Stored only"), None)
    index.add_item(merge_request(TERRAFORM, 53, "GitLab MR"), "items/tf-53.html")
    index.add_item(commit(PAYMENTS, SHA, "Pin base image", day(1)), "items/commit.html")
    index.add_item(commit(PAYMENTS, OTHER_SHA, "Not surfaced", day(1)), None)
    adr = Decision(
        repo=PAYMENTS,
        url="https://github.com/acme-corp/payments-api/blob/main/docs/adr/0012-limits.md",
        title="Limits",
        created_at=day(1),
        path="docs/adr/0012-limits.md",
    )
    index.add_item(adr, "items/adr-12.html")
    return index


def _links(text: str, ref: object = PAYMENTS) -> list[tuple[str, str, bool]]:
    linker = _index().linker(ref)  # type: ignore[arg-type]
    return [(p.text, p.href, p.internal) for p in linker.split(text) if isinstance(p, Reference)]


def test_references_link_to_the_page_on_the_site_else_to_the_forge() -> None:
    assert _links("Fixes #12 and #13, see ADR 12, ADR-0012 and 7f3a2e4; reverts aaaa111.") == [
        ("#12", "items/mr-12.html", True),
        ("#13", "https://github.com/acme-corp/payments-api/issues/13", False),
        ("ADR 12", "items/adr-12.html", True),
        ("ADR-0012", "items/adr-12.html", True),
        ("7f3a2e4", "items/commit.html", True),
        ("aaaa111", f"https://github.com/acme-corp/payments-api/commit/{OTHER_SHA}", False),
    ]
    assert _links("!53 and #7", TERRAFORM) == [
        ("!53", "items/tf-53.html", True),
        (
            "#7",
            "https://gitlab.example.com/platform-team/infra/terraform-modules/-/issues/7",
            False,
        ),
    ]


def test_what_is_not_a_reference_stays_text() -> None:
    # Another repository's number, an entity, a word of hex digits nobody committed, a
    # number without a letter, an ADR nobody wrote, and GitHub has no !-references.
    assert _links("acme/other#12 &#12; deadbee 1234567 ADR 99 !12 C#1") == []
    assert _links(f"full sha {'b' * 39}1") == [
        (f"{'b' * 39}1", f"https://github.com/acme-corp/payments-api/commit/{'b' * 39}1", False)
    ]


def test_markdown_links_references_in_text_but_not_in_code_or_existing_links() -> None:
    linker = _index().linker(PAYMENTS)
    body = render_markdown("Fixes #12. `#12` [see #12](https://example.com/x)", linker=linker)
    soup = BeautifulSoup(body.at("../"), "html.parser")
    assert [(a.get_text(), attr(a, "href")) for a in soup.select("a")] == [
        ("#12", "../items/mr-12.html"),
        ("see #12", "https://example.com/x"),
    ]
    assert [code.get_text() for code in soup.select("code")] == ["#12"]
    feed = BeautifulSoup(body.at("https://dana.example/evidence/"), "html.parser")
    assert attr(feed.select("a")[0], "href") == "https://dana.example/evidence/items/mr-12.html"


def test_forge_text_cannot_forge_a_link_into_the_site() -> None:
    linker = _index().linker(PAYMENTS)
    hostile = (
        f"[a]({SITE_PREFIX}../../admin) <{SITE_PREFIX}x> ![i]({SITE_PREFIX}y) "
        f"[b]({SITE_PREFIX.upper()}z) {SCRIPT} {IMG} #12"
    )
    html = str(render_markdown(hostile, linker=linker).at("../"))
    soup = BeautifulSoup(html, "html.parser")
    hrefs = [attr(a, "href") for a in soup.select("a[href]")]
    assert hrefs == ["../items/mr-12.html"]  # only the link this renderer made
    assert "evidence-ledger.invalid" not in "".join(hrefs)
    assert soup.find("script") is None and soup.find("img") is None


def test_plain_commit_bodies_link_references_and_stay_escaped() -> None:
    linker = _index().linker(PAYMENTS)
    body = render_plain(f"Follows #12\n{SCRIPT}", linker=linker)
    soup = BeautifulSoup(body.at(""), "html.parser")
    assert [attr(a, "href") for a in soup.select("pre a")] == ["items/mr-12.html"]
    assert soup.find("script") is None and SCRIPT in soup.get_text()


def test_an_item_title_links_its_references_on_its_page(tmp_path: Path) -> None:
    adr = merge_request(
        PAYMENTS, 20, f"{SCRIPT} follow-up of #12", labels=("evidence",), merged_at=day(3)
    )
    first = merge_request(PAYMENTS, 12, "First", labels=("evidence",), merged_at=day(2))
    inputs = make_inputs(make_config(), [repository(PAYMENTS)], [stored(adr), stored(first)])
    inputs.render(tmp_path / "site")
    [page] = (tmp_path / "site" / "items").glob("payments-api-mr-20-*.html")
    h1 = parse(page).select_one("h1")
    assert h1 is not None and h1.get_text() == f"{SCRIPT} follow-up of #12"
    assert h1.find("script") is None
    [link] = h1.select("a")
    assert link.get_text() == "#12" and attr(link, "href").startswith(
        "../items/payments-api-mr-12-"
    )
    assert (tmp_path / "site" / "items" / attr(link, "href").removeprefix("../items/")).is_file()
    # A page never links to itself.
    [own] = (tmp_path / "site" / "items").glob("payments-api-mr-12-*.html")
    assert parse(own).select("h1 a") == []
