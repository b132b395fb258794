"""Owner themes: templates override the built-in ones and can extend them; extra CSS is linked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from config.models import EvidenceConfig
from core.errors import RenderError
from renderer import Theme
from tests.renderer.builders import Inputs
from tests.renderer.site_files import attr, html_pages, links, one, parse, read_tree


def with_theme(sample: Inputs, theme: dict[str, str]) -> Inputs:
    data = sample.config.model_dump()
    data["theme"] = theme
    return Inputs(EvidenceConfig.model_validate(data), sample.snapshot, sample.classified)


def test_an_override_can_extend_the_built_in_template(sample: Inputs, tmp_path: Path) -> None:
    templates = tmp_path / "theme"
    templates.mkdir()
    (templates / "index.html").write_text(
        '{% extends "default/index.html" %}\n'
        '{% block content %}<p class="owner-note">Hello, {{ site.identity.owner }}</p>'
        "{{ super() }}{% endblock %}\n",
        encoding="utf-8",
    )
    # A replaced layout applies to every page, built-in templates included.
    (templates / "base.html").write_text(
        '{% extends "default/base.html" %}\n'
        '{% block head %}<meta name="theme-color" content="#0b57a4">{% endblock %}\n',
        encoding="utf-8",
    )
    output = tmp_path / "site"
    sample.render(output, theme=Theme(templates=templates))
    home = parse(output / "index.html")
    assert one(home, ".owner-note").get_text() == "Hello, Dana Developer"
    assert one(home, "h1").get_text() == "Dana Developer"  # the built-in content is still there
    for path, soup in html_pages(output).items():
        assert attr(one(soup, 'meta[name="theme-color"]'), "content") == "#0b57a4", path


def test_an_override_replaces_a_template_entirely(sample: Inputs, tmp_path: Path) -> None:
    templates = tmp_path / "theme"
    templates.mkdir()
    (templates / "repositories.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Code</h1>{% endblock %}',
        encoding="utf-8",
    )
    sample.render(tmp_path / "site", theme=Theme(templates=templates))
    page = parse(tmp_path / "site/repositories.html")
    assert one(page, "h1").get_text() == "Code"
    assert page.select("li.repository") == []


def test_extra_css_is_published_and_linked_after_the_built_in_one(
    sample: Inputs, tmp_path: Path
) -> None:
    css = tmp_path / "extra.css"
    css.write_text(":root { --accent: #8a2be2; }\n", encoding="utf-8")
    themed = with_theme(sample, {"css": "extra.css"})
    output = tmp_path / "site"
    themed.render(output, theme=Theme.from_config(themed.config.theme, tmp_path))
    assert read_tree(output)["theme.css"] == css.read_bytes()
    for path, soup in html_pages(output).items():
        # A <noscript> sheet (ledger pages: hides the search) applies only without scripts.
        sheets = [
            attr(link, "href")
            for link in soup.select('link[rel="stylesheet"]')
            if link.find_parent("noscript") is None
        ]
        prefix = "../" * path.count("/")
        assert sheets == [f"{prefix}style.css", f"{prefix}theme.css"], path


def test_the_avatar_is_published_from_the_config_folder_and_shown_on_home(
    sample: Inputs, tmp_path: Path
) -> None:
    (tmp_path / "Me.PNG").write_bytes(b"\x89PNG fake")
    site = sample.config.site.model_copy(update={"avatar": Path("Me.PNG")})
    config = sample.config.model_copy(update={"site": site})
    output = tmp_path / "site"
    replace(sample, config=config).render(
        output, theme=Theme.from_config(config.theme, tmp_path, avatar=site.avatar)
    )
    assert read_tree(output)["avatar.png"] == b"\x89PNG fake"
    home = html_pages(output)["index.html"]
    avatar = home.select_one(".hero img.avatar")
    assert avatar is not None and attr(avatar, "src") == "avatar.png"
    assert attr(avatar, "alt") == ""  # the owner's name is the heading beside it


def test_theme_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    theme = Theme.from_config(
        EvidenceConfig.model_validate(
            {"site": {"owner": "x"}, "theme": {"templates": "t", "css": "/abs/x.css"}}
        ).theme,
        tmp_path,
    )
    assert theme == Theme(templates=(tmp_path / "t").resolve(), css=Path("/abs/x.css"))


@pytest.mark.parametrize(
    ("theme", "message"),
    [
        (Theme(templates=Path("/nonexistent/templates")), "theme.templates: .* is not a folder"),
        (Theme(css=Path("/nonexistent/extra.css")), "theme.css: .* is not a file"),
        (Theme(avatar=Path("/nonexistent/me.png")), "site.avatar: .* is not a file"),
    ],
)
def test_a_missing_theme_file_fails_before_anything_is_written(
    sample: Inputs, sample_site: Path, theme: Theme, message: str
) -> None:
    before = read_tree(sample_site)
    with pytest.raises(RenderError, match=message):
        sample.render(sample_site, theme=theme)
    assert read_tree(sample_site) == before


def test_without_a_theme_only_the_built_in_stylesheet_is_linked(sample_site: Path) -> None:
    home = parse(sample_site / "index.html")
    assert links(home, 'link[rel="stylesheet"]') == ["style.css"]
    assert not (sample_site / "theme.css").exists()
