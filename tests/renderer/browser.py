"""A headless Chromium session and a local web server for the rendered site.

One browser per test module (starting Chromium costs about two seconds); pages
are served over HTTP on 127.0.0.1 by the same preview server as ``evidence
serve``, so the Content-Security-Policy applies as it would on a real host.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

from evidence.serve import make_server
from tests.renderer.tools import chromedriver, chromium

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


@contextmanager
def chromium_session() -> Iterator[WebDriver]:
    """A headless Chromium driven through Debian's chromedriver; no browser download."""
    binary, driver_path = chromium(), chromedriver()
    with tempfile.TemporaryDirectory(prefix="evidence-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # Report dialogs instead of dismissing them silently: an alert() is a finding.
        options.set_capability("unhandledPromptBehavior", "ignore")
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


def _serve(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_site(root: Path) -> Iterator[str]:
    """``root`` served by the preview server (with its CSP header); yields the base URL."""
    yield from _serve(make_server(root, "127.0.0.1", 0))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_plain(root: Path) -> Iterator[str]:
    """``root`` served with no security header at all: the pages must stand on their own."""
    handler = partial(_Quiet, directory=str(root))
    yield from _serve(ThreadingHTTPServer(("127.0.0.1", 0), handler))
