"""Fixtures shared by the browser tests: the app on loopback, Debian's Chromium, and a fresh page."""

from __future__ import annotations

import os

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, app_server


@pytest.fixture(scope="module")
def server():
    """The app served on a free loopback port for one test module; its URL."""
    with app_server() as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A page in its own browser context (no cookies or storage shared between tests), 1400 × 1000."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()
