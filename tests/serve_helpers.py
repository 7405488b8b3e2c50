"""Talk to a served app over HTTP and Streamlit's websocket, as a browser does: shared by the serve tests."""

from __future__ import annotations

import asyncio
import socket
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.request import Request, urlopen

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from lrviz.serve import WORKER_HEADER, app_path
from lrviz.serve_workers import keep_root_where_needed


def nobody_can_run_the_app() -> bool:
    """As root, serve runs its workers as nobody: only where nobody can read this Python and app.py."""
    return not keep_root_where_needed(app_path())


def serve_command(port: int, *options: str) -> list[str]:
    """`lrviz serve` with two workers; as root here (Python under /root), the workers keep root."""
    return [sys.executable, "-m", "lrviz", "serve", "--workers", "2", "--port", str(port),
            *keep_root_where_needed(app_path()), *options]


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found.update(map(int, children))
        todo.extend(map(int, children))
    return found


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def get(url: str, cookie: str | None = None) -> tuple[str, str | None, bytes]:
    """The worker that answered, the stickiness cookie it set (if any), and the body."""
    request = Request(url, headers={"Cookie": cookie} if cookie else {})
    with urlopen(request, timeout=30) as response:
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        server_id = cookies["SERVERID"].value if "SERVERID" in cookies else None
        return response.headers.get(WORKER_HEADER, ""), server_id, response.read()


async def page_run(url: str, cookie: str = "") -> tuple[str, list[str]]:
    """Open the page's websocket as a browser does (with its cookies), run the script once:
    the worker that answered the websocket and the kinds of elements the run drew."""
    async with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                       additional_headers={"Cookie": cookie} if cookie else {}, max_size=None, open_timeout=60) as ws:
        worker = ws.response.headers.get(WORKER_HEADER, "")
        await ws.send(BackMsg(rerun_script=ClientState(query_string="")).SerializeToString())
        kinds = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
            if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element":
                kinds.append(message.delta.new_element.WhichOneof("type"))
            if message.WhichOneof("type") == "script_finished":
                return worker, kinds
