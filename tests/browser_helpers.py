"""Start the app on loopback and drive Debian's Chromium: shared by the browser tests and scripts."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server(port: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` on 127.0.0.1; yields its URL and process once it answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def settle(page) -> None:
    """Wait until the app's rerun has finished and its charts are drawn."""
    page.wait_for_timeout(300)  # let a rerun that an interaction triggered start
    page.wait_for_selector(IDLE, timeout=60_000)
    # the charts, the notice that there are none, or the traceback that replaced them (reported by the test)
    page.wait_for_selector('.js-plotly-plot .main-svg, [data-testid="stException"], '
                           '[data-testid="stAlert"]:has-text("Add a valid schedule")', timeout=60_000)


def sidebar_schedules(page) -> list[str]:
    """The schedules the sidebar holds, read from its expander labels (one per schedule)."""
    labels = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary')
    names = [text.strip().splitlines()[-1] for text in labels.all_inner_texts()]  # after the icon's name
    return [name for name in names if not name.startswith("Experiment")]


def chart_names(page, title: str = "Learning rate") -> list[str]:
    """The schedules the chart whose title holds `title` draws (Streamlit wraps it in <b>), by full label:
    trace names are short labels, `legendgroup` holds each schedule's whole text."""
    handle = page.wait_for_function("""title => {
        const plot = [...document.querySelectorAll('.js-plotly-plot')]
            .find(p => p.layout && p.layout.title && p.layout.title.text.includes(title) && p.data);
        return plot && [...new Set(plot.data.filter(t => t.legendgroup).map(t => t.legendgroup))];
    }""", arg=title, timeout=30_000)  # a chart being redrawn has no data for a moment
    return handle.json_value()


def pick(page, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label` as a person does: click, type, Enter."""
    box = page.get_by_label(label, exact=True).first
    box.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    settle(page)


def errors_on_page(page) -> int:
    return page.locator('[data-testid="stException"]').count()


def hidden_traces(page) -> list[str]:
    """Traces a click on a legend has hidden (Plotly's 'legendonly'), in every chart of the page."""
    return page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .flatMap(p => (p.data || []).filter(t => t.visible === 'legendonly').map(t => t.name))""")


def press_and_release(page, locator, hold_ms: int = 150) -> tuple[float, float]:
    """A person's click: press, hold a moment, release at the same screen point; returns that point."""
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.wait_for_timeout(hold_ms)
    page.mouse.up()
    return x, y
