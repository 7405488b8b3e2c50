"""`lrviz serve`: the app on every core behind HAProxy; `lrviz app`: the app in one process.

A Streamlit process runs every session's script in one interpreter, so one process uses one core.
`serve` starts N workers (`streamlit run app.py`) on loopback ports and HAProxy in front of them:
a cookie keeps each browser on the worker that holds its websocket and session state, HAProxy
health-checks the workers and sends traffic only to healthy ones, and a worker that dies is
restarted. Ctrl-C or SIGTERM stops everything it started. Each worker keeps its own caches.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

PACKAGED_APP = Path(__file__).parent / "_app" / "app.py"  # where a wheel puts app.py (pyproject.toml)
SOURCE_APP = Path(__file__).parent.parent / "app.py"  # a source checkout
WORKER_HEADER = "X-Lrviz-Worker"  # names the worker that answered: shows that a session sticks to one
START_TIMEOUT = 120.0  # seconds for a worker's first health answer (it imports torch)


class ServeError(Exception):
    """Something `serve` or `app` cannot do, said in one line."""


def app_path() -> Path:
    """The page's script: inside the installed package, or in the source checkout."""
    for path in (PACKAGED_APP, SOURCE_APP):
        if path.is_file():
            return path
    raise ServeError("cannot find app.py: reinstall lrviz (pip install .) or run from its source folder")


def streamlit_command(app: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true", *options]


def worker_command(app: Path, port: int) -> list[str]:
    return streamlit_command(app, "--server.port", str(port), "--server.address", "127.0.0.1")


def haproxy_config(address: str, port: int, worker_ports: list[int]) -> str:
    """Sticky sessions by cookie (the websocket and the session state live in one worker),
    least-connections for new ones, health checks, timeouts long enough for an idle websocket."""
    servers = "\n".join(f"    server w{number} 127.0.0.1:{worker} cookie w{number}"
                        for number, worker in enumerate(worker_ports, start=1))
    return f"""global
    maxconn 4096

defaults
    mode http
    option forwardfor
    option redispatch  # a request whose worker just died is retried on a healthy one
    retries 2
    timeout connect 5s
    timeout http-request 15s
    timeout client 60s
    timeout server 60s
    timeout tunnel 2h
    timeout client-fin 30s

frontend lrviz
    bind {address}:{port}
    default_backend workers

backend workers
    balance leastconn
    cookie SERVERID insert indirect nocache httponly
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server check inter 2s fall 2 rise 1
    http-response set-header {WORKER_HEADER} %s
{servers}
"""


def find_haproxy() -> str:
    """HAProxy's path; installed from Debian's packages when missing and we are root."""
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.access(p, os.X_OK)), None)
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServeError("serve needs HAProxy: sudo apt-get install -y haproxy")
    print("lrviz serve: installing HAProxy (apt-get install -y haproxy)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "haproxy"]):
        if subprocess.run(step, env=env, stdout=subprocess.DEVNULL).returncode:
            raise ServeError(f"'{' '.join(step)}' failed: install HAProxy by hand (apt-get install -y haproxy)")
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_port(address: str, port: int) -> None:
    """Fail before starting anything if the proxy could not listen there."""
    with socket.socket() as sock:
        try:
            sock.bind((address, port))
        except OSError as error:
            raise ServeError(f"cannot listen on {address}:{port}: {error.strerror}") from None


def healthy(url: str) -> bool:
    try:
        with urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:
    """In a child, before it runs: SIGTERM when `serve` dies, even by SIGKILL (Linux's PR_SET_PDEATHSIG),
    so that no worker or proxy outlives it."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)


class Group:
    """The processes `serve` started, in one process group of their own, stopped together."""

    def __init__(self) -> None:
        self.pgid = 0  # the group is created by the first process started

    def start(self, command: list[str], cwd: Path, env: dict, quiet: bool) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=cwd, env=env, process_group=self.pgid, preexec_fn=_die_with_parent,
                                   stdout=subprocess.DEVNULL if quiet else None, stdin=subprocess.DEVNULL)
        self.pgid = self.pgid or process.pid
        return process

    def stop(self, processes: list[subprocess.Popen], grace: float = 10.0) -> None:
        if not self.pgid:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        with contextlib.suppress(ProcessLookupError):  # whatever did not stop in time, and any grandchild
            os.killpg(self.pgid, signal.SIGKILL)
        for process in processes:
            process.wait()


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemd, docker, kill) stops `serve` the way Ctrl-C does."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wait_healthy(urls: list[str], workers: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    waiting = set(urls)
    while waiting:
        if any(worker.poll() is not None for worker in workers):
            raise ServeError("a worker exited while starting: run `lrviz app` to see its error")
        if time.monotonic() > deadline:
            raise ServeError(f"{len(waiting)} worker(s) did not answer {START_TIMEOUT:.0f} s after starting")
        waiting = {url for url in waiting if not healthy(url)}
        time.sleep(0.25)


def _wait_proxy(proxy: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 30
    while not healthy(url):
        if proxy.poll() is not None:
            raise ServeError(f"HAProxy exited with status {proxy.returncode} (is {url} already in use?)")
        if time.monotonic() > deadline:
            raise ServeError(f"HAProxy did not answer at {url}")
        time.sleep(0.1)


def serve(workers: int, port: int, address: str = "127.0.0.1") -> None:
    """Run until interrupted: N workers behind HAProxy on address:port."""
    app, haproxy = app_path(), find_haproxy()
    _check_port(address, port)
    worker_ports = [free_port() for _ in range(workers)]
    # one cookie secret for all workers: a session's XSRF cookie stays valid if it is moved to another worker
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    group, processes = Group(), []
    with tempfile.TemporaryDirectory(prefix="lrviz-serve-") as folder, _terminate_as_interrupt():
        config = Path(folder) / "haproxy.cfg"
        config.write_text(haproxy_config(address, port, worker_ports))
        try:
            processes = [group.start(worker_command(app, p), app.parent, env, quiet=True) for p in worker_ports]
            _wait_healthy([f"http://127.0.0.1:{p}" for p in worker_ports], processes)
            proxy = group.start([haproxy, "-f", str(config), "-db", "-q"], app.parent, env, quiet=False)
            processes.append(proxy)
            _wait_proxy(proxy, f"http://{'127.0.0.1' if address in ('0.0.0.0', '') else address}:{port}")
            print(f"lrviz: {workers} workers behind HAProxy at http://{address}:{port} (Ctrl-C stops)", flush=True)
            _supervise(group, processes, app, worker_ports, env)
        except KeyboardInterrupt:
            print("lrviz: stopping", file=sys.stderr, flush=True)
        finally:
            group.stop(processes)


def _supervise(group: Group, processes: list[subprocess.Popen], app: Path, worker_ports: list[int],
               env: dict) -> None:
    """Restart a worker that dies (HAProxy routes around it meanwhile); stop if the proxy dies."""
    proxy = processes[-1]
    while True:
        time.sleep(1)
        if proxy.poll() is not None:
            raise ServeError(f"HAProxy exited with status {proxy.returncode}")
        for index, port in enumerate(worker_ports):
            if processes[index].poll() is not None:
                print(f"lrviz: worker w{index + 1} exited; restarting it", file=sys.stderr, flush=True)
                processes[index] = group.start(worker_command(app, port), app.parent, env, quiet=True)


def _cores() -> int:
    """The cores this process may run on (as `nproc` counts them), not every core of the host."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def add_commands(commands: argparse._SubParsersAction) -> None:
    """The `serve` and `app` subcommands, for lrviz.cli's parser."""
    serve_parser = commands.add_parser("serve", help="serve the app on every core behind HAProxy (for a class)")
    serve_parser.add_argument("--workers", type=int, default=_cores(),
                              help="Streamlit processes, one per core (default: the number of cores)")
    serve_parser.add_argument("--port", type=int, default=8501, help="the port to listen on (default 8501)")
    serve_parser.add_argument("--address", default="127.0.0.1",
                              help="the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    app_parser = commands.add_parser("app", help="open the page in one Streamlit process (streamlit run app.py)")
    app_parser.add_argument("--port", type=int, help="the port to listen on (default: Streamlit's, 8501)")
    app_parser.add_argument("--address", help="the address to listen on (default: every interface)")


def run_command(args: argparse.Namespace) -> int:
    """Run `serve` or `app`; a problem is one line on stderr and status 2."""
    try:
        if args.command == "serve":
            if not 1 <= args.workers <= 64:
                raise ServeError(f"--workers must be between 1 and 64 (got {args.workers})")
            if not 1 <= args.port <= 65535:
                raise ServeError(f"--port must be between 1 and 65535 (got {args.port})")
            serve(args.workers, args.port, args.address)
            return 0
        app = app_path()
        os.chdir(app.parent)  # Streamlit reads .streamlit/config.toml from the working folder
        options = [*(["--server.port", str(args.port)] if args.port else []),
                   *(["--server.address", args.address] if args.address else [])]
        os.execv(sys.executable, streamlit_command(app, *options))
    except ServeError as error:
        print(f"lrviz: error: {error}", file=sys.stderr)
        return 2
