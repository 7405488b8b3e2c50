"""Lesson links in real Chromium: a hostile note stays text and fetches nothing, hidden parts are absent from the
page, the loss appears only when revealed, and the address bar is the step's shareable link."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from browser_helpers import free_port, settle

pytestmark = pytest.mark.browser
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
SMALL = [("epochs", "6"), ("s", "StepLR(step_size=2)"), ("s", "ExponentialLR(gamma=0.8)")]


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def open_page(browser, url: str, query: list[tuple[str, str]], device: dict | None = None):
    context = browser.new_context(**(device or {"viewport": {"width": 1400, "height": 1000}}))
    page = context.new_page()
    page.goto(f"{url}/?{urlencode(query)}")
    settle(page)
    return page


def plot_titles(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .map(p => p.layout && p.layout.title ? p.layout.title.text : '')""")


def test_a_hostile_note_is_plain_text_and_fetches_nothing(server, browser):
    _Recorder.hits = []
    attacker = ThreadingHTTPServer(("127.0.0.1", free_port()), _Recorder)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{attacker.server_address[1]}"
    note = (f"![t]({host}/image.png) [click me]({host}/link) <img src='{host}/raw.png'> "
            f"<a href='{host}/a'>x</a> <script>fetch('{host}/script')</script> {host}/bare :red[big] $$x$$")
    requests: list[str] = []
    try:
        context = browser.new_context(**PROJECTOR)
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{server}/?{urlencode([*SMALL, ('note', note + chr(10) + 'line two'), ('present', '1')])}")
        settle(page)
        shown = page.locator(".st-key-lesson_note")
        assert shown.count() == 1
        assert shown.locator("img, a, script, span[style], .katex").count() == 0
        assert shown.inner_text().replace("\u2060", "").split("\n") == [note, "line two"]
        size = float(shown.locator("p").first.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
        assert size >= 28  # large type on the projector
        page.wait_for_timeout(500)
        context.close()
    finally:
        attacker.shutdown()
    assert _Recorder.hits == [] and not [url for url in requests if url.startswith(host)]


def test_hidden_parts_are_absent_from_the_page(server, browser):
    page = open_page(browser, server, [*SMALL, ("hide", "sidebar,intro,sections"), ("note", "Sketch it")])
    assert page.locator('[data-testid="stSidebar"]').count() == 0
    assert page.get_by_text("How to read the charts").count() == 0
    assert page.get_by_text("Export & share").count() == 0
    assert page.get_by_text("Sketch it").count() == 1 and "Learning rate" in " ".join(plot_titles(page))
    page.context.close()
    page = open_page(browser, server, [*SMALL, ("hide", "presets,experiment,add,paste")])
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("Schedules", exact=True).count() == 1  # the editors stay
    for label in ("Scenarios and presets", "Experiment: data, model, optimizer", "Add a schedule", "Paste code"):
        assert sidebar.get_by_text(label).count() == 0, label
    page.context.close()


def test_the_loss_shows_when_revealed_beside_the_prediction(server, browser):
    page = open_page(browser, server, [*SMALL, ("reveal", "0")], PROJECTOR)
    titles = " ".join(plot_titles(page))
    assert "Learning rate" in titles and "loss" not in titles.lower()
    predict = page.get_by_label("Predict: pick the schedules in the order you expect them to end, lowest loss first")
    predict.click()
    page.get_by_role("option", name="StepLR").click()
    settle(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Reveal the loss").click()
    settle(page)
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .some(p => p.layout && p.layout.title && p.layout.title.text.includes('loss'))""", timeout=60_000)
    table = page.locator(".st-key-prediction")
    assert table.count() == 1 and "StepLR" in table.inner_text()
    assert page.get_by_text("Your prediction beside the real ranking").count() == 1
    page.context.close()


def test_next_keeps_the_address_bar_a_link_to_the_step(server, browser):
    page = open_page(browser, server, [("lesson", "valley,noise,diverge"), ("note", "Three scenarios")])
    page.get_by_role("button", name="Next").click()
    settle(page)
    page.wait_for_function("() => location.search.includes('step=2')", timeout=30_000)
    query = parse_qs(urlsplit(page.url).query)
    assert query["lesson"] == ["valley,noise,diverge"] and query["step"] == ["2"]
    assert query["noise"] == ["0.3"]  # the step's own configuration
    shared = page.context.new_page()  # a student opens the address the teacher's browser shows
    shared.goto(page.url)
    settle(shared)
    assert shared.get_by_text("Step 2 of 3").count() == 1 and shared.get_by_text("Three scenarios").count() == 1
    assert parse_qs(urlsplit(shared.url).query) == query
    page.context.close()


def test_a_lesson_file_opened_in_the_page_starts_its_first_step(server, browser, tmp_path):
    text = (Path(__file__).resolve().parent.parent / "docs" / "teaching.md").read_text()
    (body,) = re.findall(r"^```json\n(.*?)^```", text, re.M | re.S)
    lesson_file = tmp_path / "lesson.json"
    lesson_file.write_text(body)
    page = open_page(browser, server, [*SMALL, ("tab", "export")])
    page.locator('[data-testid="stFileUploader"]').filter(has_text="Open a lesson file").locator(
        'input[type="file"]').set_input_files(str(lesson_file))
    settle(page)
    page.wait_for_function("() => location.search.includes('lesson=json')", timeout=30_000)
    assert page.get_by_text("Step 1 of 2").count() == 1
    assert page.get_by_text("Which schedule has spent its lr first?").count() == 1
    assert page.get_by_role("button", name="Reveal the loss").count() == 1  # the file's "reveal": false
    query = parse_qs(urlsplit(page.url).query)
    assert query["hide"] == ["experiment,paste"] and query["note"] == ["Predict first, then reveal."]
    page.context.close()
