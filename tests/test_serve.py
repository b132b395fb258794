"""``evidence serve``: a local preview server for the output folder."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.errors import RenderError
from evidence.cli import cli
from evidence.serve import CSP, make_server


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "items").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>home</title>", encoding="utf-8")
    (root / "items" / "a.html").write_text("<!doctype html><title>a</title>", encoding="utf-8")
    (root / "feed.xml").write_text("<feed/>", encoding="utf-8")
    (root / ".evidence-ledger").write_text("marker", encoding="utf-8")
    return root


@pytest.fixture
def base(site: Path) -> Iterator[str]:
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def test_pages_are_served_with_the_csp(base: str) -> None:
    status, headers, body = fetch(base)
    assert status == 200 and b"<title>home</title>" in body
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = fetch(base + "items/a.html")
    assert status == 200 and "Content-Security-Policy" in headers
    status, headers, _ = fetch(base + "feed.xml")  # feeds open in the browser's own viewer
    assert status == 200 and "Content-Security-Policy" not in headers


def test_hidden_files_and_folder_listings_are_not_served(base: str) -> None:
    assert fetch(base + ".evidence-ledger")[0] == 404
    assert fetch(base + "%2Eevidence-ledger")[0] == 404
    assert fetch(base + "items/")[0] == 404
    assert fetch(base + "../etc/passwd")[0] == 404


def test_a_folder_without_a_site_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"has no index\.html; run `evidence build`"):
        make_server(tmp_path)


def test_the_command_reports_a_missing_site_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--dir", str(tmp_path), "--port", "0"])
    assert result.exit_code == 6
    assert result.output.count("\n") == 1 and "has no index.html" in result.output
