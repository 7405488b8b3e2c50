"""`lrviz serve`'s workers: started, warmed, watched and restarted, as an account other than root.

A worker is `streamlit run app.py` on a loopback port. HAProxy sends it traffic only once it is warm:
its first rerun imports the page's modules, trains the landing page and builds its figures (9 to 21 s on
a loaded machine), so `warm_up` renders the page once over the worker's own websocket before HAProxy
is told it is ready (`set server ... state ready` on HAProxy's admin socket). A worker that exits, or
that fails its health check for `restart_after` seconds (a request that holds the interpreter), is put
in maintenance, killed, started again and warmed before it gets traffic again.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import urlopen

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

START_TIMEOUT = 120.0  # seconds for a worker's first health answer (it imports torch)
WARM_TIMEOUT = 120.0  # seconds for its first render of the page
RESTART_AFTER = 30.0  # seconds of failed health checks before a worker is restarted
CHECK_EVERY = 2.0  # seconds between `serve`'s own health checks of a worker
_PRCTL = ctypes.CDLL(None).prctl if sys.platform == "linux" else None  # looked up before any fork


class ServeError(Exception):
    """Something `serve` or `app` cannot do, said in one line."""


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def warm_up(port: int, timeout: float = WARM_TIMEOUT) -> float:
    """Render the page once on this worker, as a browser's first visit does; the seconds it took."""
    began = time.monotonic()
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                 open_timeout=timeout) as ws:  # fmt: skip
        ws.send(BackMsg(rerun_script=ClientState(query_string="")).SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(ws.recv(timeout=max(timeout - (time.monotonic() - began), 0.1)))
            if message.WhichOneof("type") == "script_finished":
                return time.monotonic() - began


def _die_with_parent() -> None:
    """In a child, after it changed user and before it runs: SIGTERM when `serve` dies, even by SIGKILL
    (Linux's PR_SET_PDEATHSIG; a change of user clears it, so it is set after)."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)


@dataclass(frozen=True)
class Account:
    """Who a child runs as: `serve`'s own user, or `user` when `serve` runs as root (docs/security.md)."""

    uid: int | None = None
    gid: int | None = None
    home: Path | None = None  # a folder of its own: Streamlit may write ~/.streamlit

    @classmethod
    def for_children(cls, user: str | None) -> Account:
        """`serve`'s own user, unless it is root and `user` is another account."""
        if os.geteuid() != 0 or user is None:
            return cls()
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise ServeError(f"no user {user!r} to run the workers as (--user)") from None
        return cls() if entry.pw_uid == 0 else cls(entry.pw_uid, entry.pw_gid)

    def with_home(self, folder: Path) -> Account:
        """The account with a home of its own in `serve`'s temporary folder (which it may cross, not list)."""
        if self.uid is None:
            return self
        home = folder / f"home-{self.uid}"
        home.mkdir(exist_ok=True)
        os.chown(home, self.uid, self.gid)
        folder.chmod(0o711)
        return Account(self.uid, self.gid, home)

    def popen_options(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": [], "env_home": str(self.home)}

    def check_can_run(self, app: Path) -> None:
        """Before starting anything: can this account run Python and read the app where it is installed?"""
        if self.uid is None:
            return
        probe = [sys.executable, "-c", f"import streamlit; open({str(app)!r}).close()"]
        try:
            failed = subprocess.run(probe, cwd=app.parent, user=self.uid, group=self.gid, extra_groups=[],
                                    capture_output=True).returncode  # fmt: skip
        except OSError:  # the interpreter itself is out of its reach (a Python under /root)
            failed = True
        if failed:
            name = pwd.getpwuid(self.uid).pw_name
            raise ServeError(f"started as root, serve runs its workers as {name!r}, who cannot run {sys.executable} "
                             f"on {app}: install Python and lrviz where {name!r} can read them, name another "
                             "account with --user, or keep root with --user root")


def keep_root_where_needed(app: Path) -> list[str]:
    """`--user root` for a test or a benchmark started as root where nobody cannot run this Python (a venv
    under /root, as on the development machine); nothing elsewhere."""
    try:
        Account.for_children("nobody").check_can_run(app)
    except ServeError:
        return ["--user", "root"]
    return []


class Group:
    """The processes `serve` started, in one process group of their own, stopped together."""

    def __init__(self) -> None:
        self.pgid = 0  # the group is created by the first process started
        self.lock = threading.Lock()  # one fork at a time: the supervisor's threads never start a process

    def start(self, command: list[str], cwd: Path, env: dict, quiet: bool, account: Account,
              pass_fds: tuple = ()) -> subprocess.Popen:  # fmt: skip
        options = account.popen_options()
        if home := options.pop("env_home", None):
            env = {**env, "HOME": home}
        with self.lock:
            process = subprocess.Popen(command, cwd=cwd, env=env, process_group=self.pgid,
                                       preexec_fn=_die_with_parent, pass_fds=pass_fds, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL if quiet else None, **options)
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


def admin(socket_path: Path, command: str) -> str:
    """One command on HAProxy's admin socket (`set server workers/w1 state maint`), its answer."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(socket_path))
        sock.sendall(command.encode() + b"\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer.decode(errors="replace")


def _kill(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL: a hung or stopped worker does not answer the first."""
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Worker:
    name: str  # w1, w2, ...: HAProxy's name for it
    port: int
    process: subprocess.Popen
    state: str = "ready"  # starting → warming → ready
    since: float = field(default_factory=time.monotonic)  # when it entered its state
    last_healthy: float = field(default_factory=time.monotonic)
    checked_at: float = 0.0  # when the last health check was sent
    check: Future | None = None
    warming: Future | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Supervisor:
    """Watch the workers once a second; restart one that exits or stays unhealthy; stop if HAProxy dies."""

    def __init__(self, workers: list[Worker], start: Callable[[int], subprocess.Popen], proxy: subprocess.Popen,
                 admin_socket: Path, restart_after: float) -> None:  # fmt: skip
        self.workers, self.start, self.proxy = workers, start, proxy
        self.admin_socket, self.restart_after = admin_socket, restart_after
        self.pool = ThreadPoolExecutor(2 * len(workers) + 1, thread_name_prefix="lrviz-serve")

    def run(self) -> None:
        try:
            while True:
                time.sleep(0.5)
                if self.proxy.poll() is not None:
                    raise ServeError(f"HAProxy exited with status {self.proxy.returncode}")
                for worker in self.workers:
                    self.tend(worker)
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def tend(self, worker: Worker) -> None:
        now = time.monotonic()
        if worker.check is not None and worker.check.done():
            if worker.check.result() and worker.checked_at >= worker.since:  # not an answer of the old process
                worker.last_healthy = worker.checked_at
            worker.check = None
        if worker.check is None and now - worker.checked_at >= CHECK_EVERY:
            worker.checked_at, worker.check = now, self.pool.submit(healthy, worker.url)
        if worker.process.poll() is not None:
            if now - worker.since < 2.0:  # a worker that cannot start is retried every 2 s, not in a busy loop
                return
            self.restart(worker, f"exited with status {worker.process.returncode}")
        elif worker.state == "ready" and now - worker.last_healthy > self.restart_after:
            self.restart(worker, f"failed its health check for {now - worker.last_healthy:.0f} s")
        elif worker.state == "starting" and worker.last_healthy >= worker.since:
            worker.state, worker.warming = "warming", self.pool.submit(warm_up, worker.port)
        elif worker.state == "starting" and now - worker.since > START_TIMEOUT:
            self.restart(worker, f"did not answer {START_TIMEOUT:.0f} s after starting")
        elif worker.state == "warming" and worker.warming is not None and worker.warming.done():
            if worker.warming.exception() is not None:
                self.restart(worker, f"could not render the page ({worker.warming.exception()})")
                return
            self.tell_proxy(worker, "ready")
            worker.state, worker.last_healthy = "ready", now
            say(f"worker {worker.name} is back, warm ({worker.warming.result():.1f} s to render the page)")

    def restart(self, worker: Worker, why: str) -> None:
        say(f"worker {worker.name} {why}; restarting it")
        self.tell_proxy(worker, "maint")  # no new traffic until it is warm again
        _kill(worker.process)
        worker.process = self.start(worker.port)
        worker.state, worker.since, worker.warming = "starting", time.monotonic(), None

    def tell_proxy(self, worker: Worker, state: str) -> None:
        try:
            admin(self.admin_socket, f"set server workers/{worker.name} state {state}")
        except OSError as error:
            say(f"could not set {worker.name} to {state} in HAProxy: {error}")


def say(text: str) -> None:
    print(f"lrviz: {text}", file=sys.stderr, flush=True)
