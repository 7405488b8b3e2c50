"""The pre-flight check in Chromium: the "My real run" box as a person fills it, its chart and warnings, and a
warning beside a schedule's editor."""

from __future__ import annotations

import pytest
from apptest_helpers import link_query
from browser_helpers import settle

from lrviz.training.config import Config

pytestmark = pytest.mark.browser

SHORT_COSINE = "CosineAnnealingLR(T_max=10)"


def fill_real_run(page, **values) -> None:
    box = page.locator('[data-testid="stExpander"]').filter(has_text="My real run")
    box.locator("summary").click()
    settle(page)
    box.get_by_text("Check my real run").click()
    settle(page)
    for label, value in values.items():
        field = box.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Enter")
        settle(page)


def test_the_real_run_box_draws_the_real_run_and_warns(server, page):
    page.goto(f"{server}/?{link_query(Config(schedules=[SHORT_COSINE, 'CosineAnnealingLR()']))}")
    settle(page)
    fill_real_run(page, **{"dataset size": 3200, "batch size": 32, "epochs": 4})
    box = page.locator('[data-testid="stExpander"]').filter(has_text="My real run")
    assert "100 optimizer steps per epoch, 400 over 4 epochs" in box.inner_text()
    plot = box.locator(".js-plotly-plot")
    plot.wait_for()
    axis = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .find(p => (p.layout.annotations || []).some(a => a.text.includes('real run'))).layout.xaxis.range""")
    assert axis == [0, 4]
    warning = box.locator('[data-testid="stAlert"]').filter(has_text="T_max=10 is shorter than the run's 400")
    assert warning.count() == 1 and warning.first.is_visible()
    sidebar_alerts = page.locator('[data-testid="stSidebar"] [data-testid="stAlert"]')
    beside = sidebar_alerts.filter(has_text="your real run: T_max=10")
    assert beside.count() >= 1  # beside the editor of the schedule, which is open
    assert page.locator('[data-testid="stException"]').count() == 0
