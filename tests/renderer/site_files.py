"""Reading a rendered site back: every file's bytes, and every page parsed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included), keyed by its relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def html_pages(root: Path) -> dict[str, BeautifulSoup]:
    return {path.relative_to(root).as_posix(): parse(path) for path in sorted(root.rglob("*.html"))}


def attr(tag: Tag, name: str) -> str:
    value = tag.get(name)
    assert isinstance(value, str), f"<{tag.name}> has no single {name!r} attribute"
    return value


def links(soup: Tag, selector: str = "a[href]") -> list[str]:
    return [attr(tag, "href") for tag in soup.select(selector)]


def resolve(page: str, href: str) -> str | None:
    """The site-relative file a relative ``href`` on ``page`` points to; None if external."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:  # "#fragment": the page itself
        return page
    base = Path(page).parent
    return (base / unquote(parts.path)).as_posix()


def normalise(target: str) -> str:
    """Collapse ``a/../b`` without touching the file system."""
    stack: list[str] = []
    for part in target.split("/"):
        if part == "..":
            assert stack, f"{target} climbs out of the site"
            stack.pop()
        elif part not in {"", "."}:
            stack.append(part)
    return "/".join(stack)


def one(node: Tag, selector: str) -> Tag:
    """The single element matching ``selector``; fails the test when there is none."""
    found = node.select(selector)
    assert len(found) == 1, f"{selector!r} matched {len(found)} elements"
    return found[0]


def text(node: Tag, selector: str) -> str:
    return one(node, selector).get_text()


def comparable(tree: dict[str, bytes]) -> dict[str, bytes]:
    """``tree`` without Pagefind's index files: the same pages give differently named and
    ordered files on every run (see renderer/search.py). The fingerprint of what was
    indexed stays, so a change to the indexed pages still shows."""
    return {
        path: content
        for path, content in tree.items()
        if not path.startswith("pagefind/") or path == "pagefind/inputs.sha256"
    }


def foreign_scripts(soup: BeautifulSoup) -> list[Tag]:
    """Every <script> except the ledger's search module (an empty element loading
    ``search.js`` from the site itself): the only script a page may carry."""
    return [
        script
        for script in soup.find_all("script")
        if not (
            script.get("type") == "module"
            and not script.get_text()
            and str(script.get("src", "")).rsplit("/", 1)[-1] == "search.js"
            and not urlsplit(str(script.get("src", ""))).scheme
        )
    ]
