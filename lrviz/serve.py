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
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lrviz.serve_workers import (
    RESTART_AFTER,
    START_TIMEOUT,
    Account,
    Group,
    ServeError,
    Supervisor,
    Worker,
    healthy,
    say,
    warm_up,
)

PACKAGED_APP = Path(__file__).parent / "_app" / "app.py"  # where a wheel puts app.py (pyproject.toml)
SOURCE_APP = Path(__file__).parent.parent / "app.py"  # a source checkout
WORKER_HEADER = "X-Lrviz-Worker"  # names the worker that answered: shows that a session sticks to one
# lrviz's own longest link (32 schedules of 5,000 characters, percent-encoded) is about 480 kB, and Streamlit
# ignores a query over 512 KiB (the page then says the link was not loaded: style.DROPPED_LINK_CHECK). HAProxy
# holds a request of up to BUFFER - REWRITE bytes (its line and headers) and answers a longer one with a bare
# "400 Bad request" (2.6 does not use an errorfile for it): a buffer above Chromium's longest address (2 MB)
# passes every link a browser opens to the page, which then says why it could not load it
BUFFER, REWRITE = 2_162_688, 16_384  # 2 MiB + 64 KiB; HAProxy's default is 16 KiB, about 16 kB of link
LONGEST_REQUEST = BUFFER - REWRITE
FRAME_ANCESTORS = "*"  # any site may frame the page: a course page may embed it (docs/security.md)
FRAME_SOURCES = re.compile(r"[A-Za-z0-9 :/.*'-]{1,500}")  # what may go into the header, nothing that ends it


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


def haproxy_config(address: str, port: int, worker_ports: list[int], folder: Path | None = None,
                   listen_fd: int | None = None, frame_ancestors: str = FRAME_ANCESTORS) -> str:
    """Sticky sessions by cookie (the websocket and the session state live in one worker),
    least-connections for new ones, health checks, timeouts long enough for an idle websocket.
    `folder` holds the admin socket; `listen_fd` is a socket `serve` bound for HAProxy."""
    servers = "\n".join(f"    server w{number} 127.0.0.1:{worker} cookie w{number}"
                        for number, worker in enumerate(worker_ports, start=1))
    folder = folder or Path(tempfile.gettempdir())
    bind = f"fd@{listen_fd}  # {address}:{port}" if listen_fd is not None else f"{address}:{port}"
    return f"""global
    maxconn 2048
    tune.bufsize {BUFFER}  # lrviz's longest link (see LONGEST_REQUEST), not HAProxy's default 16 kB
    tune.maxrewrite {REWRITE}
    stats socket {folder / "admin.sock"} mode 600 level admin

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
    bind {bind}
    # the page's query is read by the browser and sent over the websocket: the worker does not need it
    # (and its HTTP server refuses a request line over about 128 kB)
    http-request set-uri %[path] if {{ path / }} {{ query -m found }}
    http-response set-header Content-Security-Policy "frame-ancestors {frame_ancestors}"
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


def _listen_socket(address: str, port: int) -> socket.socket:
    """The proxy's socket, bound here and handed to HAProxy (`bind fd@N`): a port in use is one line before
    anything starts, and SO_REUSEADDR lets `serve` start again at once on a port whose old connections sit
    in TIME_WAIT (a port another process listens on is still refused)."""
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
        sock.listen(1024)
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on {address}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


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


def _warm_all(ports: list[int]) -> None:
    """Every worker renders the page once before HAProxy opens the port: no visitor waits for the imports."""
    with ThreadPoolExecutor(len(ports)) as pool:
        try:
            seconds = list(pool.map(warm_up, ports))
        except Exception as error:  # a refused connection, a closed or failed websocket: one line, not a traceback
            raise ServeError(f"a worker could not render the page ({error}): run `lrviz app` to see why") from None
    say(f"workers warm ({', '.join(f'{each:.1f}' for each in seconds)} s to render the page)")


def _wait_proxy(proxy: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 30
    while not healthy(url):
        if proxy.poll() is not None:
            raise ServeError(f"HAProxy exited with status {proxy.returncode}")
        if time.monotonic() > deadline:
            raise ServeError(f"HAProxy did not answer at {url}")
        time.sleep(0.1)


def serve(workers: int, port: int, address: str = "127.0.0.1", user: str | None = "nobody",
          restart_after: float = RESTART_AFTER, frame_ancestors: str = FRAME_ANCESTORS) -> None:
    """Run until interrupted: N warm workers behind HAProxy on address:port, as `user` when started as root."""
    app, haproxy = app_path(), find_haproxy()
    worker_ports = [free_port() for _ in range(workers)]
    # one cookie secret for all workers: a session's XSRF cookie stays valid if it is moved to another worker
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    processes: list[subprocess.Popen] = []
    with (tempfile.TemporaryDirectory(prefix="lrviz-serve-") as name, _terminate_as_interrupt(),
          _listen_socket(address, port) as listener):  # fmt: skip
        account = Account.for_children(user)
        account.check_can_run(app)
        account = account.with_home(Path(name))
        proxy_account = Account.for_children("nobody").with_home(Path(name))  # HAProxy needs nothing of root's
        folder = proxy_account.home or Path(name)  # HAProxy creates its admin socket there, as that account
        config = Path(name) / "haproxy.cfg"
        config.write_text(haproxy_config(address, port, worker_ports, folder, listener.fileno(), frame_ancestors))
        config.chmod(0o644)
        group = Group()
        try:
            start = lambda p: group.start(worker_command(app, p), app.parent, env, True, account)  # noqa: E731
            processes = [start(p) for p in worker_ports]
            _wait_healthy([f"http://127.0.0.1:{p}" for p in worker_ports], processes)
            _warm_all(worker_ports)
            proxy = group.start([haproxy, "-f", str(config), "-db", "-q"], app.parent, env, False, proxy_account,
                                pass_fds=(listener.fileno(),))
            listener.close()  # HAProxy holds it now
            _wait_proxy(proxy, f"http://{_loopback(address)}:{port}")
            print(f"lrviz: {workers} workers behind HAProxy at http://{address}:{port} (Ctrl-C stops)", flush=True)
            pool = [Worker(f"w{n}", p, processes[n - 1]) for n, p in enumerate(worker_ports, 1)]
            supervisor = Supervisor(pool, start, proxy, folder / "admin.sock", restart_after)
            try:
                supervisor.run()
            finally:
                processes = [proxy, *(worker.process for worker in pool)]
        except KeyboardInterrupt:
            say("stopping")
        finally:
            group.stop(processes)


def _loopback(address: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(address, f"[{address}]" if ":" in address
                                                                      else address)


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
    serve_parser.add_argument("--user", default="nobody",
                              help="started as root, run the workers and HAProxy as this account (default nobody; "
                                   "root keeps root)")
    serve_parser.add_argument("--restart-after", type=float, default=RESTART_AFTER, metavar="SECONDS",
                              help=f"restart a worker that fails its health check this long (default "
                                   f"{RESTART_AFTER:g})")
    serve_parser.add_argument("--frame-ancestors", default=FRAME_ANCESTORS, metavar="SOURCES",
                              help="the sites that may frame the page, as CSP's frame-ancestors (default *: any; "
                                   "\"'self' https://moodle.example.edu\" for one, 'none' for no site)")
    app_parser = commands.add_parser("app", help="open the page in one Streamlit process (streamlit run app.py)")
    app_parser.add_argument("--port", type=int, help="the port to listen on (default: Streamlit's, 8501)")
    app_parser.add_argument("--address", help="the address to listen on (default: every interface)")


def _check_port_number(port: int) -> None:
    if not 1 <= port <= 65535:
        raise ServeError(f"--port must be between 1 and 65535 (got {port})")


def run_command(args: argparse.Namespace) -> int:
    """Run `serve` or `app`; a problem is one line on stderr and status 2."""
    try:
        if args.command == "serve":
            if not 1 <= args.workers <= 64:
                raise ServeError(f"--workers must be between 1 and 64 (got {args.workers})")
            _check_port_number(args.port)
            if not 1 <= args.restart_after <= 3600:
                raise ServeError(f"--restart-after must be between 1 and 3600 seconds (got {args.restart_after:g})")
            if not FRAME_SOURCES.fullmatch(args.frame_ancestors):
                raise ServeError("--frame-ancestors takes sources such as * or 'self' https://example.edu "
                                 "(letters, digits, spaces and :/.*'-)")
            serve(args.workers, args.port, args.address, args.user, args.restart_after, args.frame_ancestors)
            return 0
        if args.port is not None:
            _check_port_number(args.port)
        app = app_path()
        os.chdir(app.parent)  # Streamlit reads .streamlit/config.toml from the working folder
        options = [*(["--server.port", str(args.port)] if args.port else []),
                   *(["--server.address", args.address] if args.address else [])]
        os.execv(sys.executable, streamlit_command(app, *options))
    except ServeError as error:
        print(f"lrviz: error: {error}", file=sys.stderr)
        return 2
