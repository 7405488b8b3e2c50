"""`lrviz serve`'s three timings: restart on the same port, a worker's warm-up, the longest link accepted.

Run: `.venv/bin/python bench/serve_timings.py [--port 18901]` (as root it passes `--user root` when the
interpreter is out of nobody's reach). Prints:

- warm-up: a bare worker (`streamlit run app.py`, as `lrviz app` starts it) renders the page for its first
  visitor and then for a second one; then, behind `serve` (which warms every worker before it opens the
  port), the first visitor's render through HAProxy;
- restart: `serve` is stopped (SIGTERM) after 40 connections through it, with the sockets then in TIME_WAIT
  on the port counted, and started again at once on the same port: the seconds from the stop to the second
  `serve` listening, and whether it started;
- the longest query HAProxy passes to the page (bisection over raw requests).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lrviz.serve import streamlit_command  # noqa: E402
from lrviz.serve_workers import healthy, keep_root_where_needed, warm_up  # noqa: E402


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "lrviz", "serve", "--workers", "2", "--port", str(port),
            *keep_root_where_needed(ROOT / "app.py")]


def bare_worker(port: int) -> None:
    process = subprocess.Popen(streamlit_command(ROOT / "app.py", "--server.port", str(port)), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not healthy(f"http://127.0.0.1:{port}"):
            time.sleep(0.2)
        first, second = warm_up(port), warm_up(port)
        print(f"bare worker: first visitor's render {first:.2f} s, second visitor's {second:.2f} s")
    finally:
        process.terminate()
        process.wait()


def start(port: int) -> tuple[subprocess.Popen, float, bool]:
    began = time.monotonic()
    process = subprocess.Popen(serve_command(port), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    line = process.stdout.readline()
    return process, time.monotonic() - began, "behind HAProxy" in line


def time_wait(port: int) -> int:
    lines = subprocess.run(["ss", "-tan", "state", "time-wait", f"( sport = :{port} )"], capture_output=True,
                           text=True).stdout.splitlines()
    return max(len(lines) - 1, 0)


def plain_bind(port: int) -> str:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            return error.strerror or str(error)
    return "bound"


def listening(port: int) -> bool:
    out = subprocess.run(["ss", "-tln", f"( sport = :{port} )"], capture_output=True, text=True).stdout
    return len(out.splitlines()) > 1


def longest_query(port: int) -> int:
    def passes(length: int) -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            try:  # HAProxy may answer 400 and close before the whole request is sent
                sock.sendall(b"GET /?s=" + b"x" * length + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                return sock.recv(12).startswith(b"HTTP/1.1 200")
            except OSError:
                return False
    low, high = 1_000, 4_000_000
    while high - low > 64:
        middle = (low + high) // 2
        low, high = (middle, high) if passes(middle) else (low, middle)
    return low


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18901)
    port = parser.parse_args().port
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bare_worker(port + 1)
    first, seconds, started = start(port)
    assert started, first.stderr.read()
    print(f"serve: {seconds:.1f} s from start to listening (workers warmed first)")
    print(f"serve: first visitor's render through HAProxy {warm_up_through(port):.2f} s")
    print(f"longest query passed to the page: {longest_query(port):,} bytes")
    for _ in range(40):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /_stcore/health HTTP/1.1\r\nHost: a\r\n\r\n")
            sock.recv(100)
    first.send_signal(signal.SIGTERM)
    first.wait()
    stopped = time.monotonic()
    waiting = time_wait(port)
    print(f"after the stop: {waiting} sockets in TIME_WAIT on the port; a bind without SO_REUSEADDR (the old "
          f"check): {plain_bind(port)}")
    second = subprocess.Popen(serve_command(port), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    while not listening(port) and second.poll() is None:
        time.sleep(0.01)
    bound = time.monotonic() - stopped
    line = second.stdout.readline()
    print(f"restart on the same port: bound {bound:.2f} s after the first stopped; "
          f"{'serving' if 'behind HAProxy' in line else 'FAILED: ' + second.stderr.read().strip()} "
          f"{time.monotonic() - stopped:.1f} s after it (the workers' start and warm-up)")
    second.send_signal(signal.SIGTERM)
    second.wait()


def warm_up_through(port: int) -> float:
    return warm_up(port)  # the same render, through HAProxy's port: the worker HAProxy picks


if __name__ == "__main__":
    main()
