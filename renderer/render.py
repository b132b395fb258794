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
from pathlib import Path

from jinja2 import Environment, TemplateError

from collector.classify import ClassifiedItem
from collector.model.snapshot import Snapshot
from config.models import EvidenceConfig
from core.errors import RenderError
from renderer.feeds import feed_files
from renderer.machine import machine_files
from renderer.model import SiteModel
from renderer.pages import ItemPage, Page
from renderer.plan import plan_pages
from renderer.previews import preview_files
from renderer.publish import publish
from renderer.search import SearchIndex
from renderer.site import THEME_STYLESHEET, avatar_path, build_site_model
from renderer.theme import Theme, template_environment
from renderer.writer import PageProgress, PageWriter, SiteFolder

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
    if theme.avatar is not None and (avatar := theme.avatar_bytes()) is not None:
        files[avatar_path(theme.avatar)] = avatar
    return files


def _other_files(
    site: SiteModel, pages: Sequence[Page], theme: Theme, extra: Mapping[str, bytes]
) -> dict[str, bytes]:
    """Everything but the pages: card, feeds, ledger.json and sitemap, previews, assets,
    and the caller's ``extra`` files."""
    files: dict[str, bytes] = {CARD: _card(template_environment(theme), site)}
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
    return files


def _write_site(
    site: SiteModel,
    pages: Sequence[Page],
    theme: Theme,
    extra: Mapping[str, bytes],
    progress: PageProgress | None,
    previous: Path,
    root: Path,
) -> None:
    # Item pages first: they are all the search index reads, so Pagefind can index
    # them while the list pages and the other files are written.
    items = [page for page in pages if isinstance(page, ItemPage)]
    ordered = [*items, *(page for page in pages if not isinstance(page, ItemPage))]
    searchable = any(not entry.redacted for entry in site.entries)  # else nothing to search
    folder = SiteFolder(root, previous)
    with PageWriter(ordered, theme, folder, progress=progress) as writer:
        writer.wait(writer.write(range(len(items))))
        search = SearchIndex.start(root, previous) if searchable else None
        try:
            lists = writer.write(range(len(items), len(ordered)))
            for path, content in sorted(_other_files(site, pages, theme, extra).items()):
                folder.write(path, content)
            writer.wait(lists)
            if search is not None:
                search.finish()
        finally:
            if search is not None:
                search.stop()


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
    progress: PageProgress | None = None,
) -> RenderReport:
    """Render the whole site into ``output_dir`` (absolute), replacing it only on success.

    ``theme`` holds the owner's template folder and CSS file as absolute paths
    (``Theme.from_config``); without it, ``[theme]`` paths are taken as given.
    ``extra_files`` (path -> bytes) are published with the pages, in the same
    atomic swap; e.g. the pipeline's ``status.json``. ``progress(done, total)`` is
    called after each page is written (a terminal's progress bar).

    Raises ``RenderError`` with a one-line message when a template fails or the
    file system refuses (exit code 6); the previous site in ``output_dir`` is then
    left untouched. Any other exception is a bug and propagates as itself, so the
    command exits 1 and ``--debug`` shows where (the old site is untouched then too).
    """
    if not output_dir.is_absolute():
        raise RenderError(f"output folder must be an absolute path, got {str(output_dir)!r}")
    if theme is None:
        theme = Theme(
            templates=config.theme.templates, css=config.theme.css, avatar=config.site.avatar
        )
    try:
        theme.check()
        site = build_site_model(config, snapshot, classified, generated_at=generated_at)
        pages = plan_pages(site)
        extra = dict(extra_files or {})
        write = partial(_write_site, site, pages, theme, extra, progress, output_dir.resolve())
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
