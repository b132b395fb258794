"""The template environment: built-in templates, the owner's overrides, and extra CSS.

Lookup order for a template name: the owner's templates folder, then the
built-in templates. ``default/<name>`` always means the built-in one, so an
override can extend what it replaces (Datasette's ``default:`` idea)::

    {% extends "default/item.html" %}
    {% block content %}{{ super() }}<p>Reviewed by me.</p>{% endblock %}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)

from config.models import ThemeConfig
from core.errors import RenderError
from renderer.counts import plural
from renderer.entries import utc
from renderer.fragments import FragmentCache

BUILTIN_PREFIX = "default"


@dataclass(frozen=True, slots=True)
class Theme:
    """The owner's theme files, as absolute paths (None: use the built-in theme only)."""

    templates: Path | None = None
    css: Path | None = None
    avatar: Path | None = None  # [site] avatar: published as avatar.<ext>

    @classmethod
    def from_config(
        cls, theme: ThemeConfig, base_dir: Path, *, avatar: Path | None = None
    ) -> Theme:
        """Resolve the ``[theme]`` paths (and ``[site] avatar``) against the config's folder."""

        def resolve(path: Path | None) -> Path | None:
            if path is None:
                return None
            return path if path.is_absolute() else (base_dir / path).resolve()

        return cls(
            templates=resolve(theme.templates), css=resolve(theme.css), avatar=resolve(avatar)
        )

    def check(self) -> None:
        """Fail with one line per problem before anything is written."""
        if self.templates is not None and not self.templates.is_dir():
            raise RenderError(
                f"theme.templates: {self.templates} is not a folder; create it or remove the key"
            )
        if self.css is not None and not self.css.is_file():
            raise RenderError(f"theme.css: {self.css} is not a file; create it or remove the key")
        if self.avatar is not None and not self.avatar.is_file():
            raise RenderError(
                f"site.avatar: {self.avatar} is not a file; create it or remove the key"
            )

    def css_bytes(self) -> bytes | None:
        return self.css.read_bytes() if self.css is not None else None

    def avatar_bytes(self) -> bytes | None:
        return self.avatar.read_bytes() if self.avatar is not None else None


def _date(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%d")


def _datetime(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def _iso(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(count: int) -> str:
    """ "14,219": thousands grouped, as people read counts."""
    return f"{count:,}"


def _last_words_together(text: str) -> str:
    """The last two words joined by a no-break space, so a figure never ends on its unit
    alone on a phone ("1.6" / "h")."""
    head, space, tail = text.rpartition(" ")
    return f"{head}\u00a0{tail}" if space else text


def template_environment(theme: Theme | None = None) -> Environment:
    """Autoescaping on (HTML, XML, SVG), unknown names are errors (a typo must not render
    as nothing)."""
    builtin = PackageLoader("renderer", "templates")
    # "default/..." first, so an owner's file of that name cannot shadow the built-in one.
    loaders: list[BaseLoader] = [PrefixLoader({BUILTIN_PREFIX: builtin})]
    if theme is not None and theme.templates is not None:
        loaders.append(FileSystemLoader(theme.templates))
    loaders.append(builtin)
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=[FragmentCache],
    )
    env.filters["date"] = _date
    env.filters["datetime"] = _datetime
    env.filters["iso"] = _iso
    env.filters["plural"] = plural
    env.filters["number"] = _number
    env.filters["last_words_together"] = _last_words_together
    return env
