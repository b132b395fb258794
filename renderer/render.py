"""Write the site: model -> pages -> Jinja2 templates -> a staged folder -> the output.

``render_site`` is the renderer's one entry point. It never talks to a forge or
the store: everything it shows comes from its arguments, and the build time is
passed in, so the same inputs always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path, PurePosixPath

from jinja2 import Environment, TemplateError

from collector.classify import ClassifiedItem
from collector.model.snapshot import Snapshot
from config.models import EvidenceConfig
from core.errors import RenderError
from renderer.feeds import feed_files
from renderer.machine import machine_files
from renderer.model import SiteModel
from renderer.pages import Page
from renderer.plan import plan_pages
from renderer.previews import preview_files
from renderer.publish import publish
from renderer.search import index_site
from renderer.site import THEME_STYLESHEET, build_site_model
from renderer.theme import Theme, template_environment

MESSAGE_LIMIT = 300
CARD = "card.svg"
CARD_TEMPLATE = "card.svg"

__all__ = ["RenderReport", "Theme", "render_site", "template_environment"]


@dataclass(frozen=True, slots=True)
class RenderReport:
    output_dir: Path
    pages_written: int  # HTML pages rendered
    files_unchanged: int  # files byte-identical to the previous site (their mtime is kept)
    files_removed: int  # files of the previous site that are gone (e.g. items no longer surfaced)


def _target(root: Path, relative: str) -> Path:
    """``root/relative``, refusing anything that could land outside ``root``."""
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or any(p in {"", ".", ".."} for p in path.parts):
        raise RenderError(f"refusing to write a page to {relative!r}")
    return root.joinpath(*path.parts)


def _write_file(root: Path, relative: str, content: bytes) -> None:
    target = _target(root, relative)
    if target.exists():
        # Two outputs for one path would silently lose one of them (Pelican refuses too).
        raise RenderError(f"two files would be written to {relative}; refusing to overwrite one")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def _write_page(env: Environment, page: Page, root: Path) -> None:
    try:
        html = env.get_template(page.template).render(page=page, site=page.site)
    except TemplateError as exc:
        raise RenderError(f"{page.template} failed for {page.path}: {exc}") from exc
    _write_file(root, page.path, html.encode("utf-8"))


def _card(env: Environment, site: SiteModel) -> bytes:
    try:
        return env.get_template(CARD_TEMPLATE).render(site=site).encode("utf-8")
    except TemplateError as exc:
        raise RenderError(f"{CARD_TEMPLATE} failed: {exc}") from exc


def _static_files(theme: Theme) -> dict[str, bytes]:
    static = resources.files("renderer").joinpath("static")
    files = {
        asset.name: asset.read_bytes()
        for asset in sorted(static.iterdir(), key=lambda a: a.name)
        if asset.is_file() and not asset.name.startswith(".")
    }
    css = theme.css_bytes()
    if css is not None:
        files[THEME_STYLESHEET] = css
    return files


def _write_site(
    site: SiteModel,
    pages: Sequence[Page],
    theme: Theme,
    extra: Mapping[str, bytes],
    previous: Path,
    root: Path,
) -> None:
    env = template_environment(theme)
    for page in pages:
        _write_page(env, page, root)
    files: dict[str, bytes] = {CARD: _card(env, site)}
    parts: list[Mapping[str, bytes]] = [
        feed_files(site),
        machine_files(site, (page.path for page in pages)),
        preview_files(site),
        _static_files(theme),
        extra,
    ]
    for part in parts:
        for path, content in part.items():
            if path in files:
                raise RenderError(f"two files would be written to {path}; refusing one")
            files[path] = content
    for path, content in sorted(files.items()):
        _write_file(root, path, content)
    if any(not entry.redacted for entry in site.entries):  # else nothing to search
        index_site(root, previous)  # reads the pages just written


def _one_line(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def render_site(
    config: EvidenceConfig,
    snapshot: Snapshot,
    classified: Sequence[ClassifiedItem],
    *,
    output_dir: Path,
    generated_at: datetime,
    theme: Theme | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> RenderReport:
    """Render the whole site into ``output_dir`` (absolute), replacing it only on success.

    ``theme`` holds the owner's template folder and CSS file as absolute paths
    (``Theme.from_config``); without it, ``[theme]`` paths are taken as given.
    ``extra_files`` (path -> bytes) are published with the pages, in the same
    atomic swap; e.g. the pipeline's ``status.json``.

    Raises ``RenderError`` with a one-line message when a template fails or the
    file system refuses (exit code 6); the previous site in ``output_dir`` is then
    left untouched. Any other exception is a bug and propagates as itself, so the
    command exits 1 and ``--debug`` shows where (the old site is untouched then too).
    """
    if not output_dir.is_absolute():
        raise RenderError(f"output folder must be an absolute path, got {str(output_dir)!r}")
    if theme is None:
        theme = Theme(templates=config.theme.templates, css=config.theme.css)
    try:
        theme.check()
        site = build_site_model(config, snapshot, classified, generated_at=generated_at)
        pages = plan_pages(site)
        extra = dict(extra_files or {})
        write = partial(_write_site, site, pages, theme, extra, output_dir.resolve())
        published = publish(output_dir, write)
    except RenderError as exc:
        raise RenderError(_one_line(str(exc))) from exc
    except (TemplateError, OSError) as exc:
        # Only what the owner's templates or disk can cause; a TypeError in the site
        # model is ours to fix, and calling it a render failure would hide the bug.
        raise RenderError(_one_line(f"could not render the site: {exc}")) from exc
    return RenderReport(
        output_dir=output_dir,
        pages_written=len(pages),
        files_unchanged=published.files_unchanged,
        files_removed=published.files_removed,
    )
