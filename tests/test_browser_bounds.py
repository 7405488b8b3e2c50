"""In Chromium: a link with a whole number beyond what a number box holds (2**53) opened a page that raised on
every load; it now opens with a notice, the rest of the link loaded (issue 19, item 2)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from browser_helpers import errors_on_page, settle, sidebar_schedules

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("text", ["StepLR(step_size=9007199254740992)",
                                  "CosineAnnealingWarmRestarts(T_0=9007199254740993)"])
def test_a_link_beyond_the_whole_number_bound_opens_with_a_notice(server, page, text):
    page.goto(f"{server}/?{urlencode({'s': [text, 'ExponentialLR(gamma=0.9)']}, doseq=True)}")
    settle(page)
    assert errors_on_page(page) == 0
    notice = page.locator('[data-testid="stAlert"]', has_text="Not loaded")
    assert notice.count() == 1 and "1,000,000,000,000 (got 9,007,199,254,740,99" in notice.inner_text()
    assert sidebar_schedules(page) == ["ExponentialLR(gamma=0.9)"]
    page.reload()  # it used to fail on every load, even after a reload
    settle(page)
    assert errors_on_page(page) == 0
