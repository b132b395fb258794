"""``evidence serve``: a local preview server for the output folder."""

from __future__ import annotations

import socket
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


# -- hostile requests -------------------------------------------------------------------------


def raw(base: str, request: bytes) -> bytes:
    """Send bytes as they are (no client library would send these) and read the answer."""
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET /%00 HTTP/1.1",
        b"GET /items/a.html%00.png HTTP/1.1",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1",
        b"GARBAGE",
        b"GET / HTTP/9.9",
        b"GET / HTTP/1.1 extra",
    ],
)
def test_a_malformed_request_is_400_without_a_traceback(
    base: str, request_line: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    answer = raw(base, request_line + b"\r\nHost: x\r\n\r\n")

    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == b"400", answer[:200]
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err


def test_a_link_out_of_the_site_is_never_followed(site: Path, tmp_path: Path, base: str) -> None:
    outside = tmp_path / "private.txt"
    outside.write_text("secret", encoding="utf-8")
    (site / "private.txt").symlink_to(outside)
    (site / "etc").symlink_to("/etc", target_is_directory=True)
    (site / "same.html").symlink_to(site / "items" / "a.html")  # inside: fine

    for path in ("private.txt", "etc/passwd", "etc/hostname", "etc/"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + path, timeout=5)  # noqa: S310 - local test server
        assert refused.value.code == 404, path
    with urllib.request.urlopen(base + "same.html", timeout=5) as answer:  # noqa: S310
        assert b"<title>a</title>" in answer.read()
