"""Hygiene for text that came from a forge, before it is shown, linked or used in a path.

Autoescaping already makes forge text inert as HTML. What it does not do is stop
text from *looking* like something else: bidi overrides that reverse what a
reader sees, zero-width characters that hide inside names, control characters,
or a 5,000-character title that swallows the page. Those are handled here, once,
so the site model only ever holds text that is safe to display as-is.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

ELLIPSIS = "…"

# Invisible characters that change how surrounding text reads: bidi embeddings,
# overrides and isolates, directional marks, zero-width space, word joiner and
# BOM. ZWJ/ZWNJ (U+200C/U+200D) stay: scripts and emoji sequences need them.
_INVISIBLE = (
    "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
# What display text loses: the invisibles above, every control character (Unicode
# category Cc: U+0000-U+001F and U+007F-U+009F) but tab and newline, and lone
# surrogates (Cs), which cannot even be encoded as UTF-8. One compiled class, because
# every title, label and body of a 20,000-item site passes through here.
_HIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_INVISIBLE}]")
_WHITESPACE_RUN = re.compile(r"\s+")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
_LINK_SCHEMES = frozenset({"http", "https"})


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def clean_line(text: str, limit: int = 300) -> str:
    """One line of display text: invisibles and controls removed, whitespace collapsed."""
    kept = _HIDDEN.sub("", text)
    return truncate(_WHITESPACE_RUN.sub(" ", kept).strip(), limit)


def clean_block(text: str, limit: int) -> tuple[str, bool]:
    """Multi-line text (a body or message) with invisibles removed, and whether it was cut."""
    kept = _HIDDEN.sub("", text.replace("\r\n", "\n")).strip("\n")
    if len(kept) <= limit:
        return kept, False
    return kept[:limit], True


def slugify(text: str, limit: int = 40, fallback: str = "x") -> str:
    """Lowercase ASCII ``[a-z0-9-]``: the only characters forge text may put in a file name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_UNSAFE.sub("-", ascii_text.lower()).strip("-")
    slug = slug[:limit].rstrip("-")
    return slug or fallback


def short_hash(text: str, length: int) -> str:
    """First ``length`` hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def http_url(url: str) -> str | None:
    """``url`` if it is a plain absolute http(s) URL a browser cannot reinterpret, else None.

    Forge URLs end up in ``href``; anything else (``javascript:``, ``data:``,
    relative paths, URLs with whitespace or controls that browsers strip before
    parsing the scheme) is shown as text instead.
    """
    if not url or len(url) > 2048 or not url.isascii():
        return None
    if not url.isprintable() or " " in url:  # ASCII: the other whitespace is unprintable
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.hostname:
        return None
    if "@" in parts.netloc:  # user:secret@host never belongs on a public page
        return None
    return url


def display_url(url: str, limit: int = 300) -> str:
    """``url`` as text to show, with any ``user:password@`` part removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return clean_line(url, limit)
    if "@" in parts.netloc:
        url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return clean_line(url, limit)
