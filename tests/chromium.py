"""Headless Chromium for the end-to-end tests: its path, its flags, a check that a screenshot
shows a drawn page, and a minimal driver over the DevTools protocol for the app.

Streamlit draws its page with JavaScript from messages that arrive over a WebSocket after the
page has loaded. ``chromium --dump-dom`` and ``--screenshot`` act at the load event, and
``--virtual-time-budget`` does not wait for WebSocket traffic, so on their own they capture the
empty shell. This driver starts Chromium with the same flags plus ``--remote-debugging-port=0``,
opens the page, waits until a text appears in it, and then reads the DOM and takes the
screenshot. It uses ``websockets`` (a dependency of Streamlit) and the standard library.
The report is static HTML: its test calls ``chromium --screenshot`` directly with :data:`FLAGS`.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")

#: Skip a test when Chromium is not installed (``.ci/run`` installs it).
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (.ci/run installs it)"
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def assert_drawn(png: Path, size: tuple[int, int]) -> None:
    """The screenshot has the asked size and shows a drawn page, not a blank one."""
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == size
        rgb = im.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20)
        assert colours is not None
        assert len(colours) > 50, "a blank or nearly blank screenshot"
        white = sum(n for n, c in colours if c == (255, 255, 255))
        assert white < 0.97 * rgb.width * rgb.height


class Chromium:
    """One headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, binary: Path, profile: Path, width: int = 1280, height: int = 1600) -> None:
        from websockets.sync.client import connect

        self.proc = subprocess.Popen(
            [
                str(binary),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._ids = itertools.count(1)
        port = None
        deadline = time.monotonic() + 60
        assert self.proc.stderr is not None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        self._stack = contextlib.ExitStack()
        try:
            if port is None:
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            url = f"http://127.0.0.1:{port}/json/list"
            with urllib.request.urlopen(url, timeout=10) as resp:
                targets = json.loads(resp.read())
            page = next(t for t in targets if t.get("type") == "page")
            self.ws = self._stack.enter_context(
                connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
            )
            self.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
        except BaseException:
            self.close()
            raise

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events are skipped)."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def wait_for_text(self, text: str, timeout: float = 60.0) -> bool:
        """Wait until ``text`` is in the page's visible text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.evaluate("document.body ? document.body.innerText : ''") or ""
            if text in body:
                return True
            time.sleep(0.25)
        return False

    def dom(self) -> str:
        return str(self.evaluate("document.documentElement.outerHTML") or "")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        stack = getattr(self, "_stack", None)
        if stack is not None:
            stack.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
