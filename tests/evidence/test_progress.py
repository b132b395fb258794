"""Progress on a terminal: a bar while rendering (and collecting), nothing in cron or CI.

The command runs under a pseudo-terminal, as a person at a shell would run it;
the same command with stdout on a pipe prints no bar.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from renderer import render_site
from tests.renderer.builders import BUILT_AT, sample_inputs


def test_each_page_written_is_reported_once_in_order(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []

    sample = sample_inputs()
    report = render_site(
        sample.config,
        sample.snapshot,
        sample.classified,
        output_dir=tmp_path / "site",
        generated_at=BUILT_AT,
        progress=lambda done, total: seen.append((done, total)),
    )

    total = report.pages_written
    assert total > 20
    assert seen == [(done, total) for done in range(1, total + 1)]


def run_demo(tmp_path: Path, *, terminal: bool) -> str:
    evidence = Path(sys.executable).parent / "evidence"  # the installed console script
    command = [str(evidence), "demo", "-o", str(tmp_path / "site")]
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        return done.stdout
    leader, follower = pty.openpty()
    with subprocess.Popen(command, stdout=follower, stderr=follower, env=env) as process:
        os.close(follower)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
    os.close(leader)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_a_terminal_sees_a_rendering_bar_and_a_pipe_does_not(tmp_path: Path) -> None:
    shown = run_demo(tmp_path / "tty", terminal=True)
    piped = run_demo(tmp_path / "pipe", terminal=False)

    assert "rendering" in shown and "━" in shown  # rich's bar, drawn while pages are written
    assert "rendering" not in piped and "━" not in piped
    assert "pages" in piped  # the one summary line is there either way
