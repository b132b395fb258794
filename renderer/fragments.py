"""``{% fragment key, ... %}…{% endfragment %}``: render a piece once per key, reuse it after.

A 20,000-item site shows each entry's row on several list pages (the ledger's
views by stage, system, forge, year and repository) and the same header on
every page in a folder. The row depends only on the entry and the way to the
site root, so it is rendered once per (entry, root) and pasted after that.

The key must name everything the block reads: a block cached under too small a
key would show one page's content on another. The cache lives in one Jinja
environment, which lives for one render (one per page worker), so nothing
outlives the inputs it was rendered from.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from jinja2 import Environment, nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup


class FragmentCache(Extension):
    tags = {"fragment"}  # noqa: RUF012 - the attribute Jinja reads, as it declares it

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self._rendered: dict[tuple[Hashable, ...], Markup] = {}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        keys = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endfragment",), drop_needle=True)
        call = self.call_method("_fragment", [nodes.Tuple(keys, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, key: tuple[Hashable, ...], caller: Callable[[], Markup]) -> Markup:
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = caller()
        return rendered
