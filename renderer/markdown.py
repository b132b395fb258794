"""Untrusted Markdown and plain text (PR, MR and release bodies, commit messages) to safe HTML.

Two layers, so a bug in one is not a hole: markdown-it renders with raw HTML
off, then nh3 keeps only an explicit allow-list of tags and attributes and only
http(s)/mailto URLs. ``_sanitise`` is the only place in the renderer that marks
a string as safe HTML; templates never use ``|safe``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from renderer.crossref import Linker, Reference
from renderer.text import clean_block, http_url

BODY_LIMIT = 20_000  # characters of source text rendered; the rest is at the source link

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# No ids, classes or styles from input: they could collide with or restyle the page.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer ugc"
# Body headings sit under the page's own h1 and h2 sections.
HEADING_SHIFT = 2


# Links this renderer adds to pages of the site (``renderer.crossref``) are written with
# this prefix, which survives sanitising as an absolute URL, and resolved per page by
# ``RenderedBody.at``. Forge text cannot use it: such links are dropped before sanitising.
SITE_PREFIX = "https://evidence-ledger.invalid/"
_SITE_HREF = f'href="{SITE_PREFIX}'


@dataclass(frozen=True, slots=True)
class RenderedBody:
    markup: Markup  # sanitised; links into the site still carry SITE_PREFIX
    truncated: bool  # the source text was longer than BODY_LIMIT; the page links to the rest

    def at(self, root: str) -> Markup:
        """The HTML for a page whose way to the site root is ``root`` ("../", "", or the
        site's absolute base URL in feeds)."""
        return Markup(  # noqa: S704 - sanitised markup; only our own prefix is replaced
            str(self.markup).replace(_SITE_HREF, f'href="{escapeHtml(root)}')
        )

    @property
    def html(self) -> Markup:
        """The HTML with links into the site relative to the site root."""
        return self.at("")


class LazyBody:
    """A body that is rendered the first time a page asks for it.

    Markdown and sanitising cost about a tenth of a millisecond a body (2.5 s for
    20,000 items), and only the item's own page and the newest feed entries show it:
    rendered while the site model is built, that time would be spent in one process
    before the page workers (``renderer.writer``) could share it.
    """

    __slots__ = ("_render", "_rendered")

    def __init__(self, render: Callable[[], RenderedBody]) -> None:
        self._render = render
        self._rendered: RenderedBody | None = None

    @property
    def rendered(self) -> RenderedBody:
        if self._rendered is None:
            self._rendered = self._render()
        return self._rendered

    @property
    def truncated(self) -> bool:
        return self.rendered.truncated

    def at(self, root: str) -> Markup:
        return self.rendered.at(root)


def _inside_link(tokens: Sequence[Token], idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
    return depth > 0


def _claims_site(href: str) -> bool:
    return href.strip().lower().startswith(SITE_PREFIX)


def _image_as_link(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Images would load external assets (forbidden by the CSP): show the alt text as a link."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env).strip()
    text = escapeHtml(alt or "image")
    src = http_url(str(token.attrGet("src") or ""))
    if src is None or _claims_site(src) or _inside_link(tokens, idx):
        return text
    return f'<a href="{escapeHtml(src)}">{text}</a>'


def _markdown_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_link)
    return parser


_PARSER = _markdown_parser()


def _sanitise(html: str) -> Markup:
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        # A relative link in a body points into the forge, not into this site.
        url_relative="deny",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - sanitised just above; the one safe-marking place


def render_markdown(
    text: str, limit: int = BODY_LIMIT, linker: Linker | None = None
) -> RenderedBody:
    """A PR/MR or release body as sanitised HTML; ``linker`` turns references into links."""
    source, truncated = clean_block(text, limit)
    tokens = _PARSER.parse(source)
    _nest_headings(tokens)
    for token in tokens:
        if token.type == "inline" and token.children is not None:
            token.children = _linked(token.children, linker)
    return RenderedBody(_sanitise(_PARSER.renderer.render(tokens, _PARSER.options, {})), truncated)


def _href(reference: Reference) -> str:
    return SITE_PREFIX + reference.href if reference.internal else reference.href


def _linked(children: list[Token], linker: Linker | None) -> list[Token]:
    """Inline tokens with the references in plain text (not in links or code) made links,
    as link tokens that markdown-it renders and escapes like any other link."""
    result: list[Token] = []
    depth = 0
    for token in children:
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if _claims_site(href):  # only this renderer may link into the site
                token.attrSet("href", "about:blank")  # not an allowed scheme: nh3 drops it
            depth += 1
        elif token.type == "link_close":
            depth -= 1
        if token.type != "text" or depth > 0 or linker is None:
            result.append(token)
            continue
        for piece in linker.split(token.content):
            if isinstance(piece, str):
                text = Token("text", "", 0)
                text.content = piece
                result.append(text)
                continue
            opening = Token("link_open", "a", 1)
            opening.attrSet("href", _href(piece))
            label = Token("text", "", 0)
            label.content = piece.text
            result.extend((opening, label, Token("link_close", "a", -1)))
    return result


def _nest_headings(tokens: Sequence[Token]) -> None:
    """Body headings start at h3 (under the page's h2 sections) and never skip a level,
    whatever levels the author used: each heading goes one below the nearest earlier
    heading the author made bigger, so the page's outline stays valid."""
    stack: list[tuple[int, int]] = []  # (the author's level, the level shown)
    opened: list[str] = []
    for token in tokens:
        if token.type == "heading_open":
            written = int(token.tag[1])
            while stack and stack[-1][0] >= written:
                stack.pop()
            shown = min(stack[-1][1] + 1 if stack else HEADING_SHIFT + 1, 6)
            stack.append((written, shown))
            token.tag = f"h{shown}"
            opened.append(token.tag)
        elif token.type == "heading_close" and opened:
            token.tag = opened.pop()


def render_plain(text: str, limit: int = BODY_LIMIT, linker: Linker | None = None) -> RenderedBody:
    """Plain text (a commit message body) as preformatted, escaped HTML, references linked."""
    source, truncated = clean_block(text, limit)
    pieces = linker.split(source) if linker is not None else iter((source,))
    html = "".join(
        escapeHtml(piece)
        if isinstance(piece, str)
        else f'<a href="{escapeHtml(_href(piece))}">{escapeHtml(piece.text)}</a>'
        for piece in pieces
    )
    return RenderedBody(_sanitise(f"<pre>{html}</pre>"), truncated)
