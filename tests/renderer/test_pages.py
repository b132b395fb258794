"""The rendered pages as a visitor meets them, read back with an HTML parser."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from collector.model.categories import STAGES, Category
from renderer.entries import item_page_path
from tests.renderer.builders import BUILT_AT, Inputs
from tests.renderer.site_files import (
    attr,
    comparable,
    foreign_scripts,
    html_pages,
    links,
    normalise,
    one,
    parse,
    read_tree,
    resolve,
    text,
)

# No script-src: nothing may run. connect-src 'self' lets tools such as Lighthouse read
# robots.txt from the page; with no script, the page itself can connect nowhere.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
# The ledger pages load search.js and Pagefind (its index and WebAssembly) from the site.
SEARCH_CSP = CSP.replace(
    "default-src 'none'; ", "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "
)


def expected_paths(inputs: Inputs, category: Category | None = None) -> set[str]:
    """Pages of the surfaced items (of one category), straight from the classification."""
    return {
        item_page_path(c, redacted=not (c.repository and c.repository.is_public))
        for c in inputs.classified
        if c.classification.surfaced
        and (category is None or category in c.classification.categories)
    }


def entry_links(soup: Tag, page: str) -> list[str]:
    return [normalise(str(resolve(page, href))) for href in links(soup, "a.entry-title")]


def test_every_page_type_is_written(sample: Inputs, sample_site: Path) -> None:
    pages = set(html_pages(sample_site))
    stage_pages = {f"{category.value}.html" for category in Category}
    assert {"index.html", "repositories.html", *stage_pages} <= pages
    assert expected_paths(sample) == {p for p in pages if p.startswith("items/")}
    assert (sample_site / "style.css").is_file()


def test_every_page_has_the_layout_contract(sample_site: Path) -> None:
    for path, soup in html_pages(sample_site).items():
        assert len(soup.find_all("h1")) == 1, path
        html = soup.find("html")
        assert html is not None and attr(html, "lang") == "en"
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        policy = SEARCH_CSP if path.startswith("ledger/") else CSP
        assert csp is not None and attr(csp, "content") == policy, path
        referrer = soup.find("meta", attrs={"name": "referrer"})
        assert (
            referrer is not None and attr(referrer, "content") == "strict-origin-when-cross-origin"
        )
        canonical = soup.find("link", rel="canonical")
        assert canonical is not None
        expected = "https://dana.example/evidence/" + ("" if path == "index.html" else path)
        assert attr(canonical, "href") == expected
        assert soup.select_one("main#main") is not None
        assert links(soup, "a.skip-link") == ["#main"]
        footer_times = soup.select("footer time")
        if path == "index.html":
            assert [attr(t, "datetime") for t in footer_times] == ["2025-03-01T03:00:00Z"]
        else:  # the build time lives on the home page only, so other pages stay unchanged
            assert footer_times == [], path
        assert foreign_scripts(soup) == [], path
        assert (sample_site / path).read_text(encoding="utf-8").startswith("<!doctype html>\n")


def test_home_shows_owner_counts_systems_and_the_newest_items_per_stage(
    sample: Inputs, sample_site: Path
) -> None:
    home = parse(sample_site / "index.html")
    h1 = home.find("h1")
    assert h1 is not None and h1.get_text() == "Dana Developer"
    assert "I build production systems." in home.get_text()

    counts = {attr(a, "href"): int(text(a, ".count")) for a in home.select(".counts a")}
    assert counts == {f"{c.value}.html": len(expected_paths(sample, c)) for c in Category}
    assert counts["deployment.html"] == 5  # #43, v1.7.0, v1.8.0, v1.9.0-rc1, the private MR

    ocm = one(home, "#system-ocm-brain")
    assert text(ocm, ".evidence-count") == "9"  # 6 + 1 public, 2 private (counted, not shown)
    # Newest published, non-draft, non-prerelease release of the system's public repos.
    assert text(ocm, ".version") == "Version v1.8.0"
    assert text(ocm, ".stack") == "Python, HCL, Go, Shell"
    assert one(home, "#system-notebook").select_one(".version") is None

    for category in Category:
        stage = one(home, f"#stage-{category.value}")
        assert STAGES[category].headline in stage.get_text()
        shown = entry_links(stage, "index.html")
        category_page = parse(sample_site / f"{category.value}.html")
        newest = entry_links(category_page, f"{category.value}.html")[:3]
        assert shown == newest
        assert len(shown) == min(3, len(expected_paths(sample, category)))
    assert "repositories.html" in links(home)


def test_category_pages_list_exactly_their_surfaced_items_newest_first(
    sample: Inputs, sample_site: Path
) -> None:
    for category in Category:
        page = f"{category.value}.html"
        soup = parse(sample_site / page)
        listed = entry_links(soup, page)
        assert set(listed) == expected_paths(sample, category)
        assert len(listed) == len(set(listed))
        dates = [attr(t, "datetime") for t in soup.select("li.entry > time")]
        assert dates == sorted(dates, reverse=True)
    deployment = parse(sample_site / "deployment.html")
    titles = [a.get_text() for a in deployment.select("a.entry-title")]
    assert titles[:2] == ["v1.9.0-rc1", "v1.8.0"]
    assert "v2.0.0" not in deployment.get_text()  # a draft release is never surfaced


def test_item_page_shows_reasons_and_provenance_with_the_permalink(sample_site: Path) -> None:
    [path] = sample_site.glob("items/payments-api-mr-42-*.html")
    soup = parse(path)
    h1 = soup.find("h1")
    assert h1 is not None and h1.get_text() == "Move scoring to async workers"
    reasons = one(soup, ".reasons")
    assert [dt.get_text() for dt in reasons.select("dt")] == ["Architecture"]
    assert [dd.get_text() for dd in reasons.select("dd")] == ["label 'evidence:architecture'"]

    provenance = {
        dt.get_text(): dd
        for dt, dd in zip(soup.select(".provenance dt"), soup.select(".provenance dd"), strict=True)
    }
    assert provenance["Forge"].get_text() == "GitHub"
    assert provenance["Repository"].get_text() == "acme-corp/payments-api"
    assert provenance["Reference"].get_text() == "#42"
    assert provenance["Branches"].get_text() == "feature/async-scoring → main"
    assert attr(one(provenance["Merged"], "time"), "datetime") == "2025-01-11T09:00:00Z"
    # first_seen_at of the builder's StoredItem: created_at + 1 hour
    assert attr(one(provenance["First collected"], "time"), "datetime") == "2025-01-01T10:00:00Z"
    permalink = one(provenance["Source"], "a")
    assert attr(permalink, "href") == "https://github.com/acme-corp/payments-api/pull/42"
    assert {"nofollow", "noopener", "noreferrer"} <= set(permalink.get_attribute_list("rel"))

    body = one(soup, ".body")
    assert [h.name for h in body.find_all(["h1", "h2", "h3", "h4"])] == ["h3", "h4"]
    assert body.find("table") is not None
    labels = [li.get_text() for li in soup.select(".labels li")]
    assert labels == ["evidence:architecture", "backend"]


def test_gitlab_item_uses_its_reference_style_and_host(sample_site: Path) -> None:
    [path] = sample_site.glob("items/terraform-modules-mr-7-*.html")
    soup = parse(path)
    provenance = dict(
        zip(
            [dt.get_text() for dt in soup.select(".provenance dt")],
            [dd.get_text() for dd in soup.select(".provenance dd")],
            strict=True,
        )
    )
    assert provenance["Reference"] == "!7"
    assert provenance["Forge"] == "GitLab (gitlab.example.com)"


def test_repositories_page_lists_public_non_fork_repositories_by_last_push(
    sample_site: Path,
) -> None:
    soup = parse(sample_site / "repositories.html")
    names = [h2.get_text() for h2 in soup.select("li.repository h2")]
    # Same push day: ties break by name. The fork and the private repository are absent.
    assert names == [
        "acme-corp/payments-api",
        "dana-dev/notebook",
        "platform-team/infra/terraform-modules",
    ]
    first = soup.select("li.repository")[0]
    assert "Python, Go, Shell" in first.get_text()


def test_every_relative_link_resolves_to_a_file_of_the_site(sample_site: Path) -> None:
    pages = html_pages(sample_site)
    checked = 0
    for page, soup in pages.items():
        for tag in soup.find_all(href=True) + soup.find_all(src=True):
            value = attr(tag, "href" if tag.has_attr("href") else "src")
            target = resolve(page, value)
            if target is None:
                continue
            target = normalise(target)
            assert (sample_site / target).is_file(), f"{page}: {value} -> {target}"
            fragment = value.partition("#")[2]
            if fragment:
                assert pages[target].find(id=fragment) is not None, f"{page}: {value}"
            checked += 1
    assert checked > 100


def test_home_page_and_stylesheet_stay_small(sample_site: Path) -> None:
    size = (sample_site / "index.html").stat().st_size + (sample_site / "style.css").stat().st_size
    assert size < 30_000


def test_same_inputs_give_a_byte_identical_site(sample: Inputs, tmp_path: Path) -> None:
    sample.render(tmp_path / "a")
    sample.render(tmp_path / "b")
    first, second = comparable(read_tree(tmp_path / "a")), comparable(read_tree(tmp_path / "b"))
    assert first == second
    assert len(first) > 10


def test_input_order_does_not_change_the_site(sample: Inputs, tmp_path: Path) -> None:
    reordered = Inputs(sample.config, sample.snapshot, tuple(reversed(sample.classified)))
    sample.render(tmp_path / "a")
    reordered.render(tmp_path / "b")
    assert comparable(read_tree(tmp_path / "a")) == comparable(read_tree(tmp_path / "b"))


def test_changing_only_the_build_time_changes_only_the_footer(
    sample: Inputs, tmp_path: Path
) -> None:
    sample.render(tmp_path / "a")
    sample.render(tmp_path / "b", generated_at=BUILT_AT + timedelta(days=1, minutes=7))
    first, second = comparable(read_tree(tmp_path / "a")), comparable(read_tree(tmp_path / "b"))
    assert first.keys() == second.keys()
    changed = {path for path in first if first[path] != second[path]}
    assert changed == {"index.html"}
    for path in changed:
        before = BeautifulSoup(first[path], "html.parser")
        after = BeautifulSoup(second[path], "html.parser")
        assert before.footer is not None and after.footer is not None
        assert attr(one(after.footer, "time"), "datetime") == "2025-03-02T03:07:00Z"
        before.footer.decompose()
        after.footer.decompose()
        assert str(before) == str(after), path
