"""A hostile link in real Chromium: the page fetches nothing from any address but the app's own.

The "attacker" is a second loopback server on another port that records every hit. The link carries
Markdown images and links, raw HTML and a Plotly-style `<a href>` in schedules, setting names and values;
every request Chromium makes is logged with `page.on("request")`.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlencode

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, app_server, free_port

playwright = pytest.importorskip("playwright.sync_api")


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _hostile_query(host: str) -> str:
    image, link = f"![t]({host}/image.png)", f"[click me]({host}/link)"
    schedules = [
        image, link, f"<img src='{host}/raw.png'>", f"<a href='{host}/a'>x</a>",
        f"LambdaLR(lr_lambda='{image}')", f"StepLR(gamma={link})",
        f"StepLR(step_size=4, step_size=5, x='<span style=\"font-size:90px\">{host}/s</span>')",
        "StepLR(step_size=3)",  # one valid schedule, so that charts are drawn too
    ]
    settings = [("s", text) for text in schedules] + [
        (image, "1"), ("optimizer", f"<a href='{host}/opt'>sgd</a>"), ("epochs", link), ("epochs", "3"),
    ]
    return urlencode(settings)


def test_a_hostile_link_fetches_nothing_from_another_host():
    _Recorder.hits = []
    attacker = ThreadingHTTPServer(("127.0.0.1", free_port()), _Recorder)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{attacker.server_address[1]}"
    requests: list[str] = []
    try:
        with app_server() as (url, _), playwright.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(f"{url}/?{_hostile_query(host)}")
            page.wait_for_selector(IDLE, timeout=120_000)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
            page.wait_for_timeout(2000)  # images and lazy fetches of the rendered notices
            notices = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
            links = page.locator(f'a[href^="{host}"]').evaluate_all("nodes => nodes.map(n => n.outerHTML)")
            images = page.locator(f'img[src^="{host}"]').count()
            browser.close()
    finally:
        attacker.shutdown()
    assert _Recorder.hits == []
    foreign = [address for address in requests
               if not address.startswith((url, "data:", "blob:", "about:"))]  # fmt: skip
    assert foreign == []
    assert links == [] and images == 0
    assert any("![t](" in text for text in notices)  # shown literally, as text
    assert len(notices) >= 6
