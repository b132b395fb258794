"""``evidence serve``: preview the generated site on a local HTTP server.

A preview, not a production server: it binds to 127.0.0.1 by default, serves
one folder read-only, never lists folders, and refuses hidden paths (the
``.evidence-ledger`` marker, an owner's ``.git``). Its pages get the same
Content-Security-Policy as a header that they carry as a meta tag.
"""

from __future__ import annotations

import logging
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from evidence.errors import RenderError

log = logging.getLogger(__name__)

# The pages' own policy, plus what only a header can say. Scripts only from the site
# itself (the ledger's search), and WebAssembly for Pagefind; never eval or inline script.
# A page without a script narrows this further with its own meta policy.
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


class PreviewHandler(SimpleHTTPRequestHandler):
    def _hidden(self) -> bool:
        parts = unquote(urlsplit(self.path).path).split("/")
        return any(part.startswith(".") for part in parts if part)

    def send_head(self) -> Any:
        if self._hidden():
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> Any:
        self.send_error(404, "Not found")
        return None

    def end_headers(self) -> None:
        # Pages only: browsers show XML and feeds with built-in viewers that a CSP breaks.
        page = urlsplit(self.path).path
        if page.endswith(("/", ".html")):
            self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``directory`` (not started); port 0 picks a free port."""
    if not (directory / "index.html").is_file():
        raise RenderError(
            f"{directory} has no index.html; run `evidence build` or `evidence demo` first"
        )
    handler = partial(PreviewHandler, directory=str(directory))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise RenderError(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}; choose another --port"
        ) from exc
