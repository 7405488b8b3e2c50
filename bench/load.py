"""Load test: many sessions moving sliders on one app server, on loopback.

Run: `.venv/bin/python bench/load.py [--sessions 20] [--seconds 60] [--ramp 10] [--think 0]
[--client ws|browser] [--workers N | --url URL [--pid PID]]`. Starts the app on 127.0.0.1 (one
Streamlit process, or `lrviz serve --workers N`: N workers behind HAProxy), or aims at a server
already running at a loopback URL, and opens N sessions arriving over `ramp` seconds. Each loads
a shared link (four schedules) and keeps moving the first schedule's gamma slider one step at a
time, `think` seconds (± half) after each redraw, until all sessions have been at it together for
`seconds`. With no think time every session asks for its next rerun the moment the last one is
drawn: the server is saturated and latency is queueing.

- `ws` (default): each session is a Streamlit websocket client speaking the browser's own
  protocol (BackMsg and ForwardMsg protobufs), so the server does all the work a browser
  session causes while the 2 cores are not spent drawing 20 pages. A rerun counts only if
  it finished and its lr chart names the new gamma.
- `browser`: each session is a headless Chromium context. On this 2-core machine Chromium's
  rendering of 20 live pages takes most of the CPU (page loads of minutes), so use a few.

Like a browser, a ws session first loads the page over HTTP and sends the cookies it got (HAProxy's
stickiness cookie among them) with its websocket, so behind `lrviz serve` its HTTP requests and its
websocket reach the same worker.

Prints pages served, reruns, errors (exceptions shown in a page, reruns that did not finish
or did not redraw, time-outs: must be 0), median and p95 time from a slider move to the end
of its rerun, and the server's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, app_server, free_port  # noqa: E402

from lrviz.serve_workers import keep_root_where_needed  # noqa: E402

QUERY = urlencode({"epochs": 20, "s": ["ExponentialLR(gamma=0.9)", "StepLR(step_size=4, gamma=0.9)",
                                        "CosineAnnealingLR()", "OneCycleLR()"]}, doseq=True)
LABEL_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .flatMap(p => (p.data || []).map(t => t.legendgroup)).join('|')"""
TIMEOUT = 120.0  # seconds for a page load or a rerun before it counts as an error


def server_processes(pid: int | None) -> list[int]:
    """The server's process and all its descendants (lrviz serve: the workers and the proxy)."""
    found, todo = [], [pid] if pid else []
    while todo:
        parent = todo.pop()
        found.append(parent)
        with contextlib.suppress(OSError):
            todo.extend(map(int, Path(f"/proc/{parent}/task/{parent}/children").read_text().split()))
    return found


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak memory of one process (a worker's, behind lrviz serve)."""
    peaks = [0.0]
    for pid in pids:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(next(line.split()[1] for line in status.splitlines()
                                  if line.startswith("VmHWM"))) / 1024)
    return max(peaks)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Stats:
    def __init__(self) -> None:
        self.pages, self.errors = 0, 0
        self.page_loads: list[float] = []
        self.latency: list[float] = []
        self.messages: list[str] = []
        self.workers: dict[str, int] = {}  # sessions per worker, behind lrviz serve

    def error(self, message: str) -> None:
        self.errors += 1
        self.messages.append(message[:160])


def _page_cookies(url: str) -> str:
    """Load the page as a browser does first; the cookies it sets (HAProxy's SERVERID among them)."""
    with urlopen(f"{url}/?{QUERY}", timeout=TIMEOUT) as response:
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        response.read()
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


async def _connect(url: str):
    """A websocket to the app's stream, opened the way Streamlit's own frontend opens it: after the
    page's HTTP request and with its cookies, so a sticky proxy sends both to the same worker."""
    cookie = await asyncio.to_thread(_page_cookies, url)
    return await connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                         max_size=None, open_timeout=TIMEOUT, additional_headers={"Cookie": cookie} if cookie else {})


async def _rerun(socket, state: ClientState) -> tuple[list, int]:
    """Send one rerun request as the browser does; the elements it drew, and how many were exceptions."""
    await socket.send(BackMsg(rerun_script=state).SerializeToString())
    elements, exceptions = [], 0
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket.recv(), TIMEOUT))
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            elements.append(element)
            exceptions += element.WhichOneof("type") == "exception"
        elif kind == "script_finished":
            if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                raise RuntimeError(f"the script ended with status {message.script_finished}")
            return elements, exceptions


def _pause(think: float) -> float:
    """`think` give or take half: equal pauses keep sessions that once waited together in lockstep,
    all asking at the same instant, which measures a thundering herd rather than a class."""
    return random.uniform(0.5, 1.5) * think


def _gamma_box(elements: list):
    """The number box beside gamma's slider: it takes an exact value, as a person types it."""
    return next(e.number_input for e in elements
                if e.WhichOneof("type") == "number_input" and e.number_input.label == "gamma")


def _chart_names(elements: list, text: str) -> bool:
    return any(e.WhichOneof("type") == "plotly_chart" and text in e.plotly_chart.spec for e in elements)


async def ws_session(url: str, delay: float, deadline: float, think: float, stats: Stats) -> None:
    await asyncio.sleep(delay)
    try:
        start = time.monotonic()
        async with await _connect(url) as socket:
            worker = socket.response.headers.get("X-Lrviz-Worker", "")
            stats.workers[worker] = stats.workers.get(worker, 0) + 1
            elements, exceptions = await _rerun(socket, ClientState(query_string=QUERY))
            if exceptions:
                stats.error("an exception on the first page")
            stats.pages += 1
            stats.page_loads.append(time.monotonic() - start)
            box = _gamma_box(elements)
            value, direction = box.default, -1
            while time.monotonic() < deadline:
                value = round(value + direction * box.step, 6)
                moved = WidgetState(id=box.id, double_value=value)
                start = time.monotonic()
                elements, exceptions = await _rerun(socket, ClientState(query_string=QUERY,
                                                                        widget_states=WidgetStates(widgets=[moved])))
                stats.latency.append(time.monotonic() - start)
                if exceptions or not _chart_names(elements, f"ExponentialLR(gamma={value:g})"):
                    stats.error(f"gamma={value:g}: {exceptions} exceptions, or the chart did not redraw")
                direction = -direction
                await asyncio.sleep(_pause(think))
    except Exception as error:  # a time-out or a broken session counts as an error, and the test goes on
        stats.error(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")


async def browser_session(browser, url: str, delay: float, deadline: float, think: float, stats: Stats) -> None:
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    timeout = TIMEOUT * 1000
    try:
        start = time.monotonic()
        await page.goto(f"{url}/?{QUERY}", wait_until="commit", timeout=timeout)
        await page.wait_for_selector(IDLE, timeout=timeout)
        await page.wait_for_selector(".js-plotly-plot .main-svg", timeout=timeout)
        stats.pages += 1
        stats.page_loads.append(time.monotonic() - start)
        thumb = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="gamma"]').first
        direction = "ArrowLeft"
        while time.monotonic() < deadline:
            before = await page.evaluate(LABEL_JS)
            await thumb.focus()
            start = time.monotonic()
            await thumb.press(direction)  # one step of 0.001: one rerun
            # the rerun is done when the chart's labels show the new gamma
            await page.wait_for_function(f"() => ({LABEL_JS})() !== {before!r}", timeout=timeout)
            await page.wait_for_selector(IDLE, timeout=timeout)
            stats.latency.append(time.monotonic() - start)
            if await page.locator('[data-testid="stException"]').count():
                stats.error("an exception shown in the page")
            direction = "ArrowRight" if direction == "ArrowLeft" else "ArrowLeft"
            await asyncio.sleep(_pause(think))
    except Exception as error:
        stats.error(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        await context.close()


@contextlib.contextmanager
def server(url: str | None, pid: int | None, workers: int) -> Iterator[tuple[str, int | None]]:
    """The server under test: one already running at `url`, `lrviz serve --workers N`, or one Streamlit process."""
    if url:
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("bench/load.py: load tests stay on loopback (127.0.0.1 or localhost)")
        yield url.rstrip("/"), pid
    elif workers:
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "lrviz", "serve", "--workers", str(workers),
                                    "--port", str(port), *keep_root_where_needed(ROOT / "app.py")],
                                   cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            print(process.stdout.readline().strip())  # printed once every worker answers its health check
            yield f"http://127.0.0.1:{port}", process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)
    else:
        with app_server() as (url, process):
            yield url, process.pid


async def warm_up(url: str, workers: int) -> None:
    """The teacher opens the page first on every worker: a worker's first run imports torch (seconds).
    The sockets stay open while the next one connects, so least-connections sends each to another worker."""
    sockets = []
    try:
        for _ in range(workers):
            sockets.append(await _connect(url))
        await asyncio.gather(*(_rerun(socket, ClientState(query_string=QUERY)) for socket in sockets))
    finally:
        for socket in sockets:
            await socket.close()


async def run(client: str, sessions: int, seconds: float, ramp: float, think: float, where: tuple) -> None:
    stats = Stats()
    with server(*where) as (url, pid):
        started = time.monotonic()
        await warm_up(url, max(where[2], 1))
        print(f"warm-up page load {time.monotonic() - started:.1f} s (a worker's first run imports torch); "
              f"server {url}")
        deadline = time.monotonic() + ramp + seconds  # all of them together for `seconds` at least
        processes = server_processes(pid)
        started, cpu_before, client_before = time.monotonic(), cpu_seconds(processes), time.process_time()
        delays = [index * ramp / sessions for index in range(sessions)]
        if client == "ws":
            await asyncio.gather(*(ws_session(url, delay, deadline, think, stats) for delay in delays))
        else:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                await asyncio.gather(*(browser_session(browser, url, delay, deadline, think, stats)
                                       for delay in delays))
                await browser.close()
        elapsed, cpu = time.monotonic() - started, cpu_seconds(processes) - cpu_before
        client_cpu = time.process_time() - client_before
        peak = peak_rss_mb(processes)
    latency = sorted(stats.latency)
    p95 = latency[int(0.95 * (len(latency) - 1))] if latency else float("nan")
    pause = f"{think:g} s between moves" if think else "each move as soon as the last one is drawn"
    print(f"{sessions} {client} sessions arriving over {ramp:g} s, {pause}; {elapsed:.0f} s in all, "
          "server on loopback")
    print(f"pages served      {stats.pages}")
    if len(stats.workers) > 1 or "" not in stats.workers:
        print("sessions          " + ", ".join(f"{count} on {name}" for name, count in sorted(stats.workers.items())))
    if stats.page_loads:
        print(f"page load         median {statistics.median(stats.page_loads):.2f} s, "
              f"slowest {max(stats.page_loads):.2f} s (first run of the script, all charts)")
    print(f"slider reruns     {len(latency)} ({len(latency) / elapsed:.1f} per second)")
    print(f"errors            {stats.errors}")
    for message in stats.messages[:5]:
        print(f"  {message}")
    if latency:
        print(f"rerun latency     median {statistics.median(latency):.3f} s, p95 {p95:.3f} s, "
              f"max {latency[-1]:.3f} s (slider move to the end of the rerun)")
    runs = stats.pages + len(latency)
    print(f"client CPU        {client_cpu:.1f} s (this script, on the same cores); "
          f"load average {os.getloadavg()[0]:.2f}")
    if not processes:
        print("server CPU        not measured (give --pid PID of the server at --url)")
        return
    print(f"server CPU        {cpu:.1f} s over {elapsed:.0f} s, {1000 * cpu / max(runs, 1):.0f} ms per script run "
          f"({runs} runs, {len(processes)} processes)")
    print(f"server peak RSS   {peak:.0f} MB (the largest process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which the sessions arrive (default 10)")
    parser.add_argument("--think", type=float, default=0,
                        help="seconds (± half, at random) a session waits after each redraw before its next move "
                             "(default 0: none)")
    parser.add_argument("--client", choices=("ws", "browser"), default="ws",
                        help="Streamlit websocket clients (default) or headless Chromium pages")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=0,
                       help="start `lrviz serve --workers N` (HAProxy in front) instead of one Streamlit process")
    where.add_argument("--url", help="a server already running on loopback, e.g. http://127.0.0.1:8501")
    parser.add_argument("--pid", type=int, help="with --url: the server's process (its children count too), "
                                                "to measure its CPU and memory")
    parser.add_argument("--warm", type=int, default=0,
                        help="with --url: pages opened first, one per worker (default 1)")
    args = parser.parse_args()
    random.seed(0)
    workers = args.workers or args.warm
    asyncio.run(run(args.client, args.sessions, args.seconds, args.ramp, args.think,
                    (args.url, args.pid, workers)))


if __name__ == "__main__":
    main()
