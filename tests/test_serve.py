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
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, settle
from serve_helpers import descendants, get, listening, nobody_can_run_the_app, page_run, serve_command
from websockets.asyncio.client import connect

from lrviz.schedules.schedule import MAX_SPEC_LENGTH
from lrviz.serve import WORKER_HEADER, haproxy_config
from lrviz.training.experiment import MAX_SCHEDULES

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


def test_config_holds_lrviz_longest_link_and_takes_the_socket_serve_bound(tmp_path):
    config = haproxy_config("0.0.0.0", 80, [9101], tmp_path, listen_fd=7, frame_ancestors="'none'")
    assert "bind fd@7" in config and f"stats socket {tmp_path / 'admin.sock'}" in config
    buffer = int(config.split("tune.bufsize ")[1].split()[0])
    rewrite = int(config.split("tune.maxrewrite ")[1].split()[0])
    assert buffer - rewrite > 2 * 1024 * 1024 > len(_longest_valid_query())  # above Chromium's longest address
    assert 'Content-Security-Policy "frame-ancestors \'none\'"' in config


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
    process = subprocess.Popen(serve_command(port), cwd=ROOT, stdout=subprocess.PIPE, text=True,
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


def test_as_root_the_workers_refuse_an_account_that_cannot_run_the_app_in_one_line():
    if os.geteuid() != 0 or nobody_can_run_the_app():
        pytest.skip("needs root, and a Python that nobody cannot run (here: the venv's Python under /root)")
    run = subprocess.run([sys.executable, "-m", "lrviz", "serve", "--workers", "1", "--port", str(free_port())],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "as 'nobody'" in run.stderr and "--user root" in run.stderr


@pytest.fixture(scope="module")
def served_again(served):
    """`serve` stopped (its connections left in TIME_WAIT) and started again at once on the same port,
    restarting a worker after 4 s of failed health checks."""
    first, url, port = served
    if first.poll() is None:  # run alone: the SIGTERM test did not stop it
        for _ in range(20):
            get(url + "/_stcore/health")  # connections the stop leaves in TIME_WAIT
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)
    process = subprocess.Popen(serve_command(port, "--restart-after", "4"), cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = process.stdout.readline()
        assert "workers behind HAProxy" in line, process.stderr.read() if process.poll() is not None else line
        yield process, url, port
    finally:
        children = descendants(process.pid)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _lrviz_lines(process: subprocess.Popen, until: str) -> list[str]:
    """serve's own lines on stderr (the workers' log lines are there too) up to the first containing `until`."""
    lines = []
    for line in process.stderr:
        if line.startswith("lrviz: "):
            lines.append(line.strip())
            if until in line:
                return lines
    raise AssertionError(f"serve ended before saying {until!r}: {lines}")


def _worker_pids(process: subprocess.Popen) -> dict[str, int]:
    """Worker processes by the loopback port they serve."""
    found = {}
    for pid in descendants(process.pid):
        with contextlib.suppress(OSError):
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"--server.port" in args:
                found[args[args.index(b"--server.port") + 1].decode()] = pid
    return found


def test_a_restart_on_the_same_port_serves_at_once(served_again):
    process, url, _ = served_again
    worker, _, body = get(url + "/")
    assert process.poll() is None and worker in ("w1", "w2") and b"<html" in body.lower()


def test_a_hung_worker_is_restarted_and_gets_traffic_only_once_warm(served_again):
    process, url, _ = served_again
    worker, _, _ = get(url + "/")
    other = {"w1": "w2", "w2": "w1"}[worker]
    before = _worker_pids(process)
    ports = sorted(before, key=lambda port: before[port])  # w1 was started first
    hung = before[ports[int(worker[1]) - 1]]
    os.kill(hung, signal.SIGSTOP)  # alive, but answers nothing: its health check fails
    lines = _lrviz_lines(process, "restarting it")
    assert f"worker {worker} failed its health check" in lines[-1]
    # while it starts again and renders the page, a visitor sent to it by its cookie is served by the other
    assert get(url + "/_stcore/health", f"SERVERID={worker}")[0] == other
    lines = _lrviz_lines(process, "is back")
    assert lines[-1].startswith(f"lrviz: worker {worker} is back, warm")
    assert not Path(f"/proc/{hung}").exists() or "zombie" in Path(f"/proc/{hung}/status").read_text()
    assert get(url + "/_stcore/health", f"SERVERID={worker}")[0] == worker  # and now it takes its traffic again


def test_haproxy_runs_as_nobody_and_says_who_may_frame_the_page(served_again):
    process, url, _ = served_again
    with urlopen(url + "/", timeout=30) as response:
        assert response.headers["Content-Security-Policy"] == "frame-ancestors *"
    if os.geteuid() == 0:
        workers = set(_worker_pids(process).values())
        (proxy,) = [pid for pid in descendants(process.pid) if pid not in workers]
        assert Path(f"/proc/{proxy}/status").read_text().split("Uid:")[1].split()[0] == "65534"


def _longest_valid_query() -> str:
    """lrviz's longest link: 32 schedules of 5,000 characters each, every character percent-encoded."""
    specs = [f"StepLR(step_size={i + 1},{' ' * MAX_SPEC_LENGTH}gamma=0.5)" for i in range(MAX_SCHEDULES)]
    specs = [spec[:MAX_SPEC_LENGTH - len("gamma=0.5)")] + "gamma=0.5)" for spec in specs]
    return "&".join(f"s={quote(spec, safe='')}" for spec in specs)


def test_lrviz_longest_link_passes_haproxy(served_again):
    _, url, _ = served_again
    query = _longest_valid_query()
    assert len(query) > 450_000
    worker, _, body = get(f"{url}/?{query}")
    assert worker in ("w1", "w2") and b"<html" in body.lower()


@pytest.mark.browser
def test_the_longest_link_loads_and_a_longer_one_says_so(served_again):
    sync_api = pytest.importorskip("playwright.sync_api")
    _, url, _ = served_again
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/?{_longest_valid_query()}", timeout=120_000)
            settle(page)
            groups = page.evaluate("() => new Set([...document.querySelectorAll('.js-plotly-plot')]"
                                   ".flatMap(p => (p.data || []).map(t => t.legendgroup))).size")
            loaded_notices = page.get_by_text("Not loaded").count()
            page.goto(f"{url}/?s=StepLR()&pad={'x' * 600_000}", timeout=120_000)  # past Streamlit's 512 KiB
            settle(page)
            page.wait_for_timeout(1000)  # the check runs in its own frame
            dropped = [text for frame in page.frames if frame != page.main_frame
                       for text in frame.locator('[role="alert"]').all_inner_texts()]
        finally:
            browser.close()
    assert groups >= MAX_SCHEDULES and loaded_notices == 0
    assert len(dropped) == 1 and "longer than the server accepts" in dropped[0]
