"""``evidence serve``: preview the generated site on a local HTTP server.

A preview, not a production server: it binds to 127.0.0.1 by default, serves
one folder read-only, never lists folders, refuses hidden paths (the
``.evidence-ledger`` marker, an owner's ``.git``) and never follows a link out
of the folder. A malformed request (bad request line, unsupported version, a
request line over 64 KiB, a NUL in the path) gets a 400, never a traceback. Its
pages get the same Content-Security-Policy as a header that they carry as a
meta tag.
"""

from __future__ import annotations

import logging
import os
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from core.errors import RenderError

log = logging.getLogger(__name__)

# The pages' own policy, plus what only a header can say. Scripts only from the site
# itself (the ledger's search), and WebAssembly for Pagefind; never eval or inline script.
# A page without a script narrows this further with its own meta policy.
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


# What the standard handler answers to a request it cannot parse: all a bad request here.
MALFORMED = {
    HTTPStatus.REQUEST_URI_TOO_LONG: "request line too long",
    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED: "unsupported HTTP version",
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "headers too large",
}


class PreviewHandler(SimpleHTTPRequestHandler):
    # Set before parsing: an error answered mid-parse must still find a path to read,
    # and carries a status line (HTTP/0.9 answers have none; nothing speaks it now).
    path = ""
    default_request_version = "HTTP/1.0"

    def _hidden(self) -> bool:
        parts = unquote(urlsplit(self.path).path).split("/")
        return any(part.startswith(".") for part in parts if part)

    def _outside(self, path: str) -> bool:
        """Whether ``path`` (a file the request names) resolves outside the served folder."""
        root = os.path.realpath(self.directory)
        real = os.path.realpath(path)
        return real != root and not real.startswith(root + os.sep)

    def send_head(self) -> Any:
        if "\x00" in unquote(self.path):
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request: NUL in the path")
            return None
        if self._hidden() or self._outside(self.translate_path(self.path)):
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        return super().send_head()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code in MALFORMED:
            code, message = HTTPStatus.BAD_REQUEST, f"Bad request: {MALFORMED[HTTPStatus(code)]}"
        super().send_error(code, message, explain)

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


class PreviewServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line, not the standard traceback on stderr: a dropped client is routine.
        log.warning("request from %s failed: %s", client_address[0], sys.exc_info()[1])
        log.debug("request failure", exc_info=True)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``directory`` (not started); port 0 picks a free port."""
    if not (directory / "index.html").is_file():
        raise RenderError(
            f"{directory} has no index.html; run `evidence build` or `evidence demo` first"
        )
    handler = partial(PreviewHandler, directory=str(directory))
    try:
        return PreviewServer((host, port), handler)
    except OSError as exc:
        raise RenderError(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}; choose another --port"
        ) from exc
