"""Link previews: a 1200 × 630 PNG for the home page, each system and each stage.

A chat app or social site shows it when someone pastes a link (Open Graph
``og:image``; Twitter/X reads the same tag). Each image is an SVG drawn here
and rasterised at build time by resvg with the bundled "Ledger Sans" (a renamed
DejaVu Sans subset, ``renderer/fonts``), so the same model gives the same bytes
on every machine, whatever fonts it has. System fonts are loaded only as a
fallback for characters outside the subset (e.g. a name in CJK script).

Text is wrapped by an estimate of the font's average advance; a line that
would not fit is cut with "…", never drawn past the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit

import resvg_py
from markupsafe import Markup

from core.errors import RenderError
from renderer.model import CategorySection, SiteModel, SystemView

WIDTH, HEIGHT = 1200, 630
FONT_FAMILY = "Ledger Sans"
FONT_FILES = ("LedgerSans.ttf", "LedgerSans-Bold.ttf")
HOME_PREVIEW = "previews/home.png"
LEFT = 80
RIGHT = WIDTH - 80
# Average advance of DejaVu Sans, in em: regular text and bold headings.
ADVANCE = 0.6
BOLD_ADVANCE = 0.7
COLOURS = {"bg": "#ffffff", "fg": "#1b1f24", "muted": "#4d5661", "accent": "#0b57a4"}


def system_preview_path(system: SystemView) -> str:
    return f"previews/system-{system.slug}.png"


def stage_preview_path(section: CategorySection) -> str:
    return f"previews/stage-{section.stage.category.value}.png"


@dataclass(frozen=True, slots=True)
class Stat:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Preview:
    """What one preview image says; ``alt`` says the same in one line of text."""

    path: str  # site-relative, e.g. "previews/home.png"
    kicker: str
    title: str
    lines: tuple[str, ...]  # body text, at most three lines
    stats: tuple[Stat, ...]  # at most four
    footer: str

    @property
    def alt(self) -> str:
        stats = ", ".join(f"{s.value} {s.label}" for s in self.stats)
        return f"{self.title}: {stats}" if stats else self.title

    @property
    def svg(self) -> str:
        return str(_draw(self))


def fit(text: str, size: float, width: float = RIGHT - LEFT, bold: bool = False) -> str:
    """``text`` cut with "…" to what fits ``width`` pixels at ``size``."""
    limit = int(width / (size * (BOLD_ADVANCE if bold else ADVANCE)))
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def wrap(text: str, size: float, lines: int, width: float = RIGHT - LEFT) -> tuple[str, ...]:
    """Words of ``text`` in at most ``lines`` lines; the last one cut with "…" if need be."""
    limit = int(width / (size * ADVANCE))
    result: list[str] = []
    current = ""
    words = text.split()
    for index, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit or not current:
            current = candidate
            continue
        if len(result) == lines - 1:
            rest = " ".join([current, *words[index:]])
            return (*result, fit(rest, size, width))
        result.append(current)
        current = word
    if current:
        result.append(fit(current, size, width))
    return tuple(result)


def _text(x: float, y: float, text: str, size: int, fill: str, bold: bool = False) -> Markup:
    return Markup('<text x="{}" y="{}" font-size="{}" font-weight="{}" fill="{}">{}</text>').format(
        x, y, size, 700 if bold else 400, COLOURS[fill], text
    )


def _title_size(text: str) -> int:
    """The largest heading size at which ``text`` fits one line (the smallest cuts it)."""
    for size in (72, 60):
        if fit(text, size, bold=True) == text:
            return size
    return 48


def _draw(preview: Preview) -> Markup:
    title = _title_size(preview.title)
    parts = [
        Markup('<rect width="{}" height="{}" fill="{}"/>').format(WIDTH, HEIGHT, COLOURS["bg"]),
        Markup('<rect width="20" height="{}" fill="{}"/>').format(HEIGHT, COLOURS["accent"]),
        _text(LEFT, 110, fit(preview.kicker, 30), 30, "muted"),
        _text(LEFT, 200, fit(preview.title, title, bold=True), title, "fg", bold=True),
    ]
    for index, line in enumerate(preview.lines[:3]):
        parts.append(_text(LEFT, 270 + index * 46, line, 34, "fg"))
    column = (RIGHT - LEFT) / 4
    for index, stat in enumerate(preview.stats[:4]):
        x = LEFT + index * column
        parts.append(_text(x, 480, fit(stat.value, 60, column - 20, True), 60, "accent", True))
        parts.append(_text(x, 522, fit(stat.label, 26, column - 20), 26, "muted"))
    parts.append(_text(LEFT, 590, fit(preview.footer, 24), 24, "muted"))
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" font-family="{font}">{body}</svg>'
    ).format(w=WIDTH, h=HEIGHT, font=FONT_FAMILY, body=Markup("").join(parts))


def _host(site: SiteModel) -> str:
    parts = urlsplit(site.identity.base_url)
    return (parts.netloc + parts.path).rstrip("/")


def _footer(site: SiteModel) -> str:
    return f"{_host(site)} · evidence updated {site.updated_at:%Y-%m-%d}"


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def home_preview(site: SiteModel) -> Preview:
    identity = site.identity
    body = " · ".join(part for part in (identity.role, identity.tagline) if part)
    return Preview(
        path=HOME_PREVIEW,
        kicker=identity.title,
        title=identity.owner,
        lines=wrap(body, 34, 3),
        stats=tuple(Stat(str(s.count), s.stage.title) for s in site.categories),
        footer=_footer(site),
    )


def system_preview(site: SiteModel, system: SystemView) -> Preview:
    return Preview(
        path=system_preview_path(system),
        kicker=f"System dossier · {site.identity.owner}",
        title=system.name,
        lines=wrap(system.mission or system.status, 34, 3),
        stats=tuple(Stat(str(s.count), s.stage.title) for s in system.sections),
        footer=_footer(site),
    )


def stage_preview(site: SiteModel, section: CategorySection) -> Preview:
    stage = section.stage
    systems = {s.slug for e in section.entries for s in e.systems}
    repositories = {e.repository.text for e in section.entries if e.repository is not None}
    return Preview(
        path=stage_preview_path(section),
        kicker=f"Evidence trail of {site.identity.owner} · stage {stage.number:02d}",
        title=stage.title,
        lines=wrap(f"{stage.headline}. {stage.summary}", 34, 3),
        stats=(
            Stat(str(section.count), _plural(section.count, "item")),
            Stat(str(len(systems)), _plural(len(systems), "system")),
            Stat(
                str(len(repositories)),
                "repository" if len(repositories) == 1 else "repositories",
            ),
        ),
        footer=_footer(site),
    )


def site_previews(site: SiteModel) -> tuple[Preview, ...]:
    return (
        home_preview(site),
        *(system_preview(site, system) for system in site.systems),
        *(stage_preview(site, section) for section in site.categories),
    )


def _font_files() -> list[str]:
    fonts = resources.files("renderer").joinpath("fonts")
    return [str(fonts.joinpath(name)) for name in FONT_FILES]


def rasterise(svg: str) -> bytes:
    """The SVG as a PNG, drawn with the bundled font."""
    try:
        png = resvg_py.svg_to_bytes(
            svg_string=svg,
            font_files=_font_files(),
            font_family=FONT_FAMILY,
            sans_serif_family=FONT_FAMILY,
        )
    except ValueError as exc:
        raise RenderError(f"could not draw a link preview: {exc}") from exc
    return bytes(png)


def preview_files(site: SiteModel) -> dict[str, bytes]:
    """Path -> PNG bytes of every preview image."""
    return {preview.path: rasterise(preview.svg) for preview in site_previews(site)}
