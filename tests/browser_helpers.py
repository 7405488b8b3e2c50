"""Start the app on loopback and drive Debian's Chromium: shared by the browser tests and scripts."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server(port: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` on 127.0.0.1; yields its URL and process once it answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def settle(page) -> None:
    """Wait until the app's rerun has finished and its charts are drawn."""
    page.wait_for_timeout(300)  # let a rerun that an interaction triggered start
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
