"""Publishing: the output is replaced whole on success and untouched on failure."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import jinja2
import pytest

import renderer.writer
from core.errors import RenderError
from renderer.pages import Page
from renderer.publish import MARKER, publish
from renderer.theme import Theme
from renderer.writer import SiteFolder
from tests.renderer.builders import BUILT_AT, PAYMENTS, Inputs
from tests.renderer.site_files import read_tree

OLD_NS = 1_000_000_000 * 10**9  # 2001-09-09: clearly not "now"
OWNER_FILES = {
    ".gitignore": b"*\n!.gitignore\n",
    ".nojekyll": b"",
    "CNAME": b"dana.example\n",
    ".well-known/security.txt": b"Contact: mailto:dana@example.com\n",
}


def state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file: what "untouched" means."""
    return {
        path: (content, (root / path).stat().st_mtime_ns)
        for path, content in read_tree(root).items()
    }


def age(root: Path) -> None:
    for path in read_tree(root):
        os.utime(root / path, ns=(OLD_NS, OLD_NS))


def siblings(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if p.name != output.name)


def failing_after(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make page writing fail once ``count`` pages have been written."""
    original = renderer.writer.write_page
    written: list[str] = []

    def write_then_fail(env: jinja2.Environment, page: Page, folder: SiteFolder) -> None:
        if len(written) == count:
            raise OSError(28, "No space left on device", str(folder.root / page.path))
        original(env, page, folder)
        written.append(page.path)

    monkeypatch.setattr(renderer.writer, "write_page", write_then_fail)


def test_first_render_reports_what_it_wrote(sample: Inputs, tmp_path: Path) -> None:
    report = sample.render(tmp_path / "site")
    assert report.output_dir == tmp_path / "site"
    # home, 4 stages, 10 ledger views (all, 4 stages, 2 systems, 2 forges, 1 year),
    # 2 dossiers, decisions, journal, what it proves, 18 figure lists (6 figures for
    # all systems and for each of 2 systems), repositories, 10 items
    assert report.pages_written == 1 + 4 + 10 + 2 + 1 + 1 + 1 + 18 + 1 + 10
    assert (report.files_unchanged, report.files_removed) == (0, 0)
    assert siblings(tmp_path / "site") == []


def test_unchanged_files_keep_their_mtime(sample: Inputs, sample_site: Path) -> None:
    age(sample_site)
    report = sample.render(sample_site)
    assert report.files_unchanged == len(read_tree(sample_site))
    assert {(sample_site / p).stat().st_mtime_ns for p in read_tree(sample_site)} == {OLD_NS}

    report = sample.render(sample_site, generated_at=BUILT_AT + timedelta(days=1))
    mtimes = {p: (sample_site / p).stat().st_mtime_ns for p in read_tree(sample_site)}
    # Only the home page carries the build time, so only it is rewritten.
    assert {p for p, ns in mtimes.items() if ns != OLD_NS} == {"index.html"}
    assert report.files_unchanged == len(mtimes) - 1


def test_unchanged_files_are_the_old_files_not_rewritten_copies(
    sample: Inputs, sample_site: Path
) -> None:
    inodes = {p: (sample_site / p).stat().st_ino for p in read_tree(sample_site)}
    sample.render(sample_site, generated_at=BUILT_AT + timedelta(days=1))
    after = {p: (sample_site / p).stat().st_ino for p in read_tree(sample_site)}
    assert after.keys() == inodes.keys()
    # The home page (it carries the build time) and publish's own marker are new; every
    # other file, the search index included, is the previous file itself, linked in.
    assert {p for p in after if after[p] != inodes[p]} == {"index.html", MARKER}
    assert all((sample_site / p).stat().st_nlink == 1 for p in after)  # the old site is gone


def test_an_item_that_disappears_loses_its_page(sample: Inputs, sample_site: Path) -> None:
    [gone] = [
        s.item
        for s in sample.snapshot.items
        if s.item.repo == PAYMENTS and s.item.title == "Document the retry budget"
    ]
    [page] = sample_site.glob("items/payments-api-mr-44-*.html")
    before = set(read_tree(sample_site))
    report = sample.without(gone).render(sample_site)
    assert not page.exists()
    removed = before - set(read_tree(sample_site))
    # Its page goes, and the search index is rebuilt without it (Pagefind names its
    # files anew, so some of the old ones go too); nothing else is removed.
    assert {p for p in removed if not p.startswith("pagefind/")} == {
        page.relative_to(sample_site).as_posix()
    }
    assert report.files_removed == len(removed)
    assert page.name not in (sample_site / "merge-request.html").read_text(encoding="utf-8")


def test_a_failure_mid_render_leaves_the_old_site_untouched(
    sample: Inputs, sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(sample_site)
    failing_after(5, monkeypatch)
    with pytest.raises(RenderError) as raised:
        sample.render(sample_site, generated_at=BUILT_AT + timedelta(days=1))
    assert "No space left on device" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert state(sample_site) == before
    assert siblings(sample_site) == []


def test_a_template_that_raises_leaves_the_old_site_untouched(
    sample: Inputs, sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(sample_site)
    real_environment: Callable[[Theme | None], jinja2.Environment] = (
        renderer.writer.template_environment  # type: ignore[attr-defined]
    )

    def broken_item_template(theme: Theme | None = None) -> jinja2.Environment:
        env = real_environment(theme)
        broken = (
            "{% extends 'base.html' %}{% block content %}{{ page.no_such_field }}{% endblock %}"
        )
        env.loader = jinja2.ChoiceLoader(
            [jinja2.DictLoader({"item.html": broken}), env.loader]  # type: ignore[list-item]
        )
        return env

    monkeypatch.setattr(renderer.writer, "template_environment", broken_item_template)
    with pytest.raises(RenderError, match=r"item\.html failed for items/.*no_such_field"):
        sample.render(sample_site)
    assert state(sample_site) == before
    assert siblings(sample_site) == []


def test_a_bug_mid_render_is_not_called_a_render_failure(
    sample: Inputs, sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 6 is for templates and the disk; a bug keeps its type, so the CLI exits 1."""
    before = state(sample_site)
    original = renderer.writer.write_page
    written: list[str] = []

    def write_then_break(env: jinja2.Environment, page: Page, folder: SiteFolder) -> None:
        if len(written) == 3:
            raise TypeError("unsupported operand type(s) for +: 'int' and 'NoneType'")
        original(env, page, folder)
        written.append(page.path)

    monkeypatch.setattr(renderer.writer, "write_page", write_then_break)
    with pytest.raises(TypeError, match="unsupported operand"):
        sample.render(sample_site)
    assert state(sample_site) == before
    assert siblings(sample_site) == []


def test_owner_files_at_the_top_level_survive_every_render(sample: Inputs, tmp_path: Path) -> None:
    output = tmp_path / "site"
    for name, content in OWNER_FILES.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(content)
    sample.render(output)
    sample.render(output, generated_at=BUILT_AT + timedelta(hours=1))
    tree = read_tree(output)
    assert {name: tree[name] for name in OWNER_FILES} == OWNER_FILES
    assert "index.html" in tree


def test_a_crash_between_the_two_renames_is_recovered(
    sample: Inputs, sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(sample_site)
    sample_site.rename(sample_site.with_name("site.old-0123456789abcdef"))
    (sample_site.with_name("site.tmp-fedcba9876543210") / "items").mkdir(parents=True)
    # Recovery runs first, so even a render that then fails leaves the old site in place.
    failing_after(0, monkeypatch)
    with pytest.raises(RenderError):
        sample.render(sample_site)
    assert state(sample_site) == before
    assert siblings(sample_site) == []


def test_a_leftover_old_site_next_to_a_good_one_is_removed(
    sample: Inputs, sample_site: Path
) -> None:
    stale = sample_site.with_name("site.old-0123456789abcdef")
    stale.mkdir()
    (stale / "index.html").write_text("stale", encoding="utf-8")
    sample.render(sample_site)
    assert siblings(sample_site) == []
    assert (sample_site / "index.html").read_text(encoding="utf-8") != "stale"


def test_several_leftover_sites_and_no_output_are_left_for_the_owner(
    sample: Inputs, tmp_path: Path
) -> None:
    for token in ("0" * 16, "1" * 16):
        (tmp_path / f"site.old-{token}").mkdir()
    with pytest.raises(RenderError, match="rename the one to keep"):
        sample.render(tmp_path / "site")
    assert siblings(tmp_path / "site") == [f"site.old-{'0' * 16}", f"site.old-{'1' * 16}"]


def test_a_folder_it_did_not_write_is_never_replaced(sample: Inputs, tmp_path: Path) -> None:
    output = tmp_path / "site"
    output.mkdir()
    (output / "evidence.toml").write_text("[site]\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"did not write \(evidence\.toml\)"):
        sample.render(output)
    assert read_tree(output) == {"evidence.toml": b"[site]\n"}


def test_an_output_holding_the_store_is_refused(sample: Inputs, sample_site: Path) -> None:
    (sample_site / ".evidence").mkdir()
    (sample_site / ".evidence" / "ledger.db").write_bytes(b"SQLite format 3\x00")
    before = state(sample_site)
    with pytest.raises(RenderError, match="store"):
        sample.render(sample_site)
    assert state(sample_site) == before


def test_the_output_folder_must_be_absolute(sample: Inputs) -> None:
    with pytest.raises(RenderError, match="absolute"):
        sample.render(Path("relative/site"))


def test_publish_replaces_the_whole_tree_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)

    def write(content: bytes) -> Callable[[Path], None]:
        def into(staging: Path) -> None:
            (staging / "index.html").write_bytes(content)

        return into

    publish(link, write(b"one"))
    publish(link, write(b"two"))
    assert link.is_symlink()
    assert (link / "index.html").read_bytes() == b"two"


def test_publish_cleans_up_when_writing_fails(tmp_path: Path) -> None:
    output = tmp_path / "site"

    def good(staging: Path) -> None:
        (staging / "index.html").write_bytes(b"good")

    publish(output, good)

    def half_then_fail(staging: Path) -> None:
        (staging / "index.html").write_bytes(b"half")
        raise RenderError("boom")

    with pytest.raises(RenderError, match="boom"):
        publish(output, half_then_fail)
    tree = read_tree(output)
    assert tree.keys() == {"index.html", MARKER} and tree["index.html"] == b"good"
    assert siblings(output) == []
