"""Write the site: model -> pages -> Jinja2 templates -> a staged folder -> the output.

``render_site`` is the renderer's one entry point. It never talks to a forge or
the store: everything it shows comes from its arguments, and the build time is
passed in, so the same inputs always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path, PurePosixPath

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError, select_autoescape

from collector.classify import ClassifiedItem
from collector.snapshot import Snapshot
from config.models import EvidenceConfig
from evidence.errors import RenderError
from renderer.entries import utc
from renderer.pages import Page, plan_pages
from renderer.publish import publish
from renderer.site import build_site_model

MESSAGE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class RenderReport:
    output_dir: Path
    pages_written: int  # HTML pages rendered
    files_unchanged: int  # files byte-identical to the previous site (their mtime is kept)
    files_removed: int  # files of the previous site that are gone (e.g. items no longer surfaced)


def _date(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%d")


def _datetime(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def _iso(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def template_environment() -> Environment:
    """Autoescaping on, unknown names are errors (a typo must not render as nothing)."""
    env = Environment(
        loader=PackageLoader("renderer", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["date"] = _date
    env.filters["datetime"] = _datetime
    env.filters["iso"] = _iso
    return env


def _target(root: Path, relative: str) -> Path:
    """``root/relative``, refusing anything that could land outside ``root``."""
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or any(p in {"", ".", ".."} for p in path.parts):
        raise RenderError(f"refusing to write a page to {relative!r}")
    return root.joinpath(*path.parts)


def _write_page(env: Environment, page: Page, root: Path) -> None:
    try:
        html = env.get_template(page.template).render(page=page, site=page.site)
    except TemplateError as exc:
        raise RenderError(f"{page.template} failed for {page.path}: {exc}") from exc
    target = _target(root, page.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(html.encode("utf-8"))


def _copy_static(root: Path) -> None:
    static = resources.files("renderer").joinpath("static")
    for asset in sorted(static.iterdir(), key=lambda a: a.name):
        if asset.is_file() and not asset.name.startswith("."):
            _target(root, asset.name).write_bytes(asset.read_bytes())


def _write_site(pages: Sequence[Page], root: Path) -> None:
    env = template_environment()
    for page in pages:
        _write_page(env, page, root)
    _copy_static(root)


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
) -> RenderReport:
    """Render the whole site into ``output_dir`` (absolute), replacing it only on success.

    Raises ``RenderError`` with a one-line message on any failure; the previous
    site in ``output_dir`` is then left untouched.
    """
    if not output_dir.is_absolute():
        raise RenderError(f"output folder must be an absolute path, got {str(output_dir)!r}")
    try:
        site = build_site_model(config, snapshot, classified, generated_at=generated_at)
        pages = plan_pages(site)
        published = publish(output_dir, partial(_write_site, pages))
    except RenderError as exc:
        raise RenderError(_one_line(str(exc))) from exc
    except Exception as exc:
        raise RenderError(_one_line(f"could not render the site: {exc}")) from exc
    return RenderReport(
        output_dir=output_dir,
        pages_written=len(pages),
        files_unchanged=published.files_unchanged,
        files_removed=published.files_removed,
    )
