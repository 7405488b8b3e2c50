"""`lrviz serve`: workers behind HAProxy, sticky sessions, everything stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, settle
from serve_helpers import descendants, get, listening, page_run
from websockets.asyncio.client import connect

from lrviz.serve import WORKER_HEADER, haproxy_config

pytestmark = pytest.mark.slow


async def hold_websocket_then_get(url: str, cookie: str) -> str:
    """While one session's websocket is open on its worker, a new visitor (no cookie) is sent elsewhere."""
    async with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                       additional_headers={"Cookie": cookie}, open_timeout=60):
        worker, _, _ = await asyncio.to_thread(get, url + "/")
        return worker


def test_config_names_every_worker_and_checks_their_health():
    config = haproxy_config("127.0.0.1", 9000, [9101, 9102, 9103])
    assert "bind 127.0.0.1:9000" in config
    for number, port in enumerate([9101, 9102, 9103], start=1):
        assert f"server w{number} 127.0.0.1:{port} cookie w{number}" in config
    assert "option httpchk GET /_stcore/health" in config
    assert "cookie SERVERID insert" in config


def test_a_port_in_use_is_one_line_on_stderr():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "lrviz", "serve", "--workers", "1", "--port", str(port)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in run.stderr


@pytest.fixture(scope="module")
def served():
    if not shutil.which("haproxy") and not os.path.exists("/usr/sbin/haproxy"):
        pytest.fail("HAProxy is missing: apt-get install -y haproxy (make test installs it)")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "lrviz", "serve", "--workers", "2", "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert "workers behind HAProxy" in process.stdout.readline()  # printed once the workers are healthy
        yield process, f"http://127.0.0.1:{port}", port
    finally:
        if process.poll() is None:  # a failed test: stop what serve started, then serve
            children = descendants(process.pid)
            process.kill()
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.mark.browser
def test_a_browser_page_and_its_websocket_reach_one_worker(served):
    """Chromium sends the stickiness cookie with the websocket's handshake: every HTTP answer of the page
    and the websocket's come from the same worker, and a slider move redraws the chart."""
    sync_api = pytest.importorskip("playwright.sync_api")
    _, url, _ = served
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            http_workers, ws_workers = set(), []
            page.on("response", lambda response: http_workers.add(response.headers.get(WORKER_HEADER.lower())))
            devtools = page.context.new_cdp_session(page)
            devtools.send("Network.enable")
            devtools.on("Network.webSocketHandshakeResponseReceived",
                        lambda event: ws_workers.append({k.lower(): v for k, v in event["response"]["headers"].items()}
                                                        .get(WORKER_HEADER.lower())))
            page.goto(f"{url}/?s=ExponentialLR(gamma%3D0.9)")
            settle(page)
            thumb = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="gamma"]').first
            thumb.focus()
            thumb.press("ArrowLeft")
            settle(page)
            names = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                                  ".flatMap(p => (p.data || []).map(t => t.legendgroup)).join('|')")
            exceptions = page.locator('[data-testid="stException"]').count()
        finally:
            browser.close()
    assert len(http_workers) == 1 and http_workers <= {"w1", "w2"}
    assert ws_workers and set(ws_workers) == http_workers
    # the linked page's slider, one stop down: the charts redrew for a new gamma, without an exception
    assert "ExponentialLR(gamma=0." in names and "ExponentialLR(gamma=0.9)" not in names and exceptions == 0


def test_serve_sticks_sessions_and_sigterm_stops_everything(served):
    process, url, port = served
    worker, server_id, body = get(url + "/")
    assert b"<html" in body.lower() and worker in ("w1", "w2")
    assert server_id == worker  # the first answer names its worker in the stickiness cookie
    cookie = f"SERVERID={server_id}"
    assert get(url + "/_stcore/health", cookie)[0] == worker
    ws_worker, kinds = asyncio.run(page_run(url, cookie))
    assert ws_worker == worker  # the page's websocket reaches the worker that served its HTTP requests
    assert "plotly_chart" in kinds and "exception" not in kinds
    assert asyncio.run(hold_websocket_then_get(url, cookie)) != worker  # least connections balances new visitors

    children = descendants(process.pid)
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in children]
    worker_ports = [int(args[args.index(b"--server.port") + 1]) for args in commands if b"--server.port" in args]
    assert len(children) == 3 and len(worker_ports) == 2  # two workers and the proxy
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for _ in range(20):  # the group was stopped; the kernel may take a moment to close the sockets
        if not any(Path(f"/proc/{pid}").exists() for pid in children) and not any(
                listening(p) for p in [port, *worker_ports]):
            break
        time.sleep(0.25)
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
    assert [p for p in [port, *worker_ports] if listening(p)] == []
