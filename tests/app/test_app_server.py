"""End to end: ``accesssim app --port N`` serves the page, and headless Chromium draws it.

The server runs as a subprocess on a free loopback port, in its own process group (killed at
the end, Streamlit included). Chromium is driven over the DevTools protocol
(``tests/chromium.py``): Streamlit's content arrives over a WebSocket after the page has
loaded, which ``--dump-dom`` and ``--screenshot`` alone do not wait for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from accesssim.app.streamlit_app import APP_TITLE
from accesssim.i18n import _, using
from chromium import CHROMIUM, Chromium, assert_drawn, needs_chromium


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, repo_root: Path) -> Iterator[str]:
    """``accesssim app`` on a free port; yields its URL once the health endpoint answers."""
    port = _free_port()
    env = {
        **os.environ,
        "ACCESSSIM_APP_HORIZON": "120",
        "ACCESSSIM_APP_RESULTS": str(tmp_path / "results"),
    }
    log = (tmp_path / "server.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "accesssim.cli", "app", "--port", str(port)],
        cwd=repo_root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed with Streamlit at the end
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                text = (tmp_path / "server.log").read_text(encoding="utf-8")
                pytest.fail(f"the app did not start (exit code {proc.poll()}):\n{text[-3000:]}")
            time.sleep(0.25)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@needs_chromium
def test_chromium_renders_the_app(server: str, tmp_path: Path) -> None:
    with Chromium(CHROMIUM, tmp_path / "profile", width=1280, height=1600) as browser:
        browser.open(server + "/")
        # French by default (the app's language switch).
        with using("fr"):
            title = _(APP_TITLE)
        assert browser.wait_for_text(title, timeout=90), "the page never showed its title"
        assert browser.wait_for_text("Leviers des politiques", timeout=90)
        dom = browser.dom()
        png = browser.screenshot(tmp_path / "app.png")
    assert title in dom
    assert "CPTS des Monts du Lyonnais" in dom
    assert "Traceback" not in dom
    assert_drawn(png, (1280, 1600))
