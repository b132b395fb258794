"""What keeps a 20,000-item render fast gives the same answers as the slow way."""

from __future__ import annotations

import random
import sys
import unicodedata
from datetime import timedelta
from pathlib import Path

import jinja2
import pytest

from core.errors import RenderError
from renderer.chains import Event, Timeline, failure_after, repo_histories
from renderer.counts import plural
from renderer.pages import Pager, page_paths
from renderer.plan import plan_pages
from renderer.text import clean_block, clean_line
from renderer.theme import Theme, template_environment
from renderer.writer import PageWriter, SiteFolder
from tests.renderer.builders import PAYMENTS, Inputs, day, github


def slow_failure_after(
    deployments: list[Event], failures: list[Event], deployed: Event
) -> Event | None:
    """The definition, read literally: the first failure in the repository after the
    deployment and no later than its next deployment."""
    later = [d.at for d in deployments if d.repo == deployed.repo and d.at > deployed.at]
    until = min(later, default=None)
    found = [
        f
        for f in failures
        if f.repo == deployed.repo and f.at > deployed.at and (until is None or f.at <= until)
    ]
    return min(found, key=lambda f: f.at, default=None)


def test_a_deployment_finds_the_failure_that_followed_it_as_a_full_scan_would(
    sample: Inputs,
) -> None:
    entry = sample.model().entries[0]
    rng = random.Random(3)
    repos = [PAYMENTS, github("acme-corp/web"), github("acme-corp/infra")]

    def events(count: int, role: str) -> list[Event]:
        # Hours apart at random, with repeats: ties between a failure and a deployment matter.
        moments = sorted(day(1) + timedelta(hours=rng.randrange(400)) for _ in range(count))
        return [Event(entry, at, rng.choice(repos), role) for at in moments]

    deployments, failures = events(120, "Deployed"), events(60, "Reverted")
    timeline = Timeline(
        changes=(),
        releases=(),
        deployments=tuple(deployments),
        failures=tuple(failures),
        incidents=(),
        deployment_records=True,
        incident_records=False,
        histories=repo_histories(deployments, failures),
    )
    answers = [failure_after(timeline, d) for d in deployments]
    assert answers == [slow_failure_after(deployments, failures, d) for d in deployments]
    assert sum(a is not None for a in answers) > 10  # the case the figure counts happens


def visible_by_definition(char: str) -> bool:
    """What ``renderer.text`` documents it keeps, in Unicode's own terms."""
    bidi_and_zero_width = "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"
    bidi_and_zero_width += "\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
    if char in bidi_and_zero_width:
        return False
    return char in "\n\t" or unicodedata.category(char) not in {"Cc", "Cs"}


def test_display_text_loses_exactly_the_invisible_and_control_characters() -> None:
    every = "".join(chr(n) for n in range(sys.maxunicode + 1))
    kept, _ = clean_block(every, sys.maxunicode + 1)
    expected = "".join(c for c in every if visible_by_definition(c))
    assert kept == expected.strip("\n")
    assert clean_line("a\u202eb\r\nc\x85d\ud800") == "ab cd"


@pytest.mark.parametrize(
    ("number", "count", "shown"),
    [
        (1, 1, (1,)),
        (2, 5, (1, 2, 3, 4, 5)),
        (1, 800, (1, 2, 3, None, 800)),
        (400, 800, (1, None, 398, 399, 400, 401, 402, None, 800)),
        (800, 800, (1, None, 798, 799, 800)),
        (5, 9, (1, 2, 3, 4, 5, 6, 7, 8, 9)),  # a gap of one page shows the page
    ],
)
def test_a_pager_links_the_ends_and_the_neighbours_not_every_page(
    number: int, count: int, shown: tuple[int | None, ...]
) -> None:
    pager = Pager(number, page_paths("journal", count), 1, 25, count * 25)
    assert pager.numbers == shown


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_page_workers_write_the_same_bytes_as_one_process(sample: Inputs, tmp_path: Path) -> None:
    pages = plan_pages(sample.model())
    written = {}
    for workers in (1, 2):
        root = tmp_path / f"workers-{workers}"
        root.mkdir()
        with PageWriter(pages, Theme(), SiteFolder(root), workers=workers) as writer:
            assert writer.parallel == (workers > 1)
            writer.wait(writer.write(range(len(pages))))
        written[workers] = tree(root)
    assert len(written[1]) == len(pages)
    assert written[2] == written[1]


def test_a_template_error_in_a_page_worker_is_a_render_error(
    sample: Inputs, tmp_path: Path
) -> None:
    templates = tmp_path / "theme"
    templates.mkdir()
    (templates / "item.html").write_text("{{ page.no_such_field }}", encoding="utf-8")
    pages = plan_pages(sample.model())
    with (
        pytest.raises(RenderError, match=r"item\.html failed for items/.*no_such_field"),
        PageWriter(pages, Theme(templates=templates), SiteFolder(tmp_path), workers=2) as writer,
    ):
        assert writer.parallel
        writer.wait(writer.write(range(len(pages))))


def test_a_fragment_is_rendered_once_per_key() -> None:
    env = template_environment()
    calls: list[str] = []

    def seen(name: str) -> str:
        calls.append(name)
        return name

    template = env.from_string(
        "{% for name in names %}{% fragment 'row', name %}[{{ seen(name) }}]{% endfragment %}"
        "{% endfor %}"
    )
    assert template.render(names=["a", "b", "a", "a"], seen=seen) == "[a][b][a][a]"
    assert calls == ["a", "b"]
    with pytest.raises(jinja2.TemplateSyntaxError):
        env.from_string("{% fragment %}x{% endfragment %}")


def test_counts_of_a_large_ledger_group_their_thousands() -> None:
    assert plural(14_219, "item") == "14,219 items"
    pager = Pager(40, page_paths("deployment", 569), 976, 1000, 14_219)
    template = template_environment().from_string(
        '{% from "macros.html" import pager_nav with context %}{{ pager_nav(pager, "Deployment") }}'
    )
    text = template.render(pager=pager, page={"root": ""})
    assert "Items 976–1,000 of 14,219 · page 40 of 569" in text
    assert text.count("<a ") == 1 + 7 + 1  # newer, 1 … 38–42 … 569, older
