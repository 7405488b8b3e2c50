"""What only a browser shows: presentation mode's layout, and nothing cut off or covered on a phone.

Real Chromium (Debian's, driven by Playwright); every check is on the boxes the browser laid out.
"""

from __future__ import annotations

import pytest
from browser_helpers import settle

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}


def open_page(browser, url: str, device: dict):
    context = browser.new_context(**device)
    page = context.new_page()
    page.goto(url)
    settle(page)
    return page


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def chart(page, title_start: str):
    return page.locator(".js-plotly-plot").filter(has=page.locator(".gtitle", has_text=title_start)).first


def test_presentation_mode_stacks_full_width_charts_with_text_readable_from_the_back(server, browser):
    page = open_page(browser, server, PROJECTOR)
    page.get_by_text("Presentation mode").click()
    settle(page)
    main = page.locator('[data-testid="stMain"]').bounding_box()
    lr, loss = (chart(page, title).bounding_box() for title in ("Learning rate", "Training loss"))
    assert loss["y"] >= lr["y"] + lr["height"] - 1  # one under the other
    assert min(lr["width"], loss["width"]) > 0.6 * main["width"]
    for title in ("Learning rate", "Training loss"):
        sizes = chart(page, title).evaluate("""plot => [...plot.querySelectorAll(
            '.xtick text, .ytick text, .gtitle, .g-xtitle text, .g-ytitle text')]
            .map(e => parseFloat(getComputedStyle(e).fontSize))""")
        assert sizes and min(sizes) >= 16, (title, sizes)
    legend = page.locator(".lrviz-legend")
    assert legend.count() == 1  # one legend for every chart
    assert float(legend.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 16
    assert legend.bounding_box()["y"] < lr["y"]  # above the charts
    page.context.close()


def test_on_a_phone_the_toolbar_covers_no_title_and_the_sidebar_leaves_the_page_visible(server, browser):
    page = open_page(browser, server, PHONE)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() >= 2
    for plot in plots.all():
        plot.scroll_into_view_if_needed()
        title, modebar = plot.locator(".gtitle").bounding_box(), plot.locator(".modebar").bounding_box()
        assert not overlap(title, modebar), (title, modebar)
        assert title["x"] + title["width"] <= PHONE["viewport"]["width"]  # the title is not cut off either
    page.evaluate("window.scrollTo(0, 0)")
    page.locator('[data-testid="stExpandSidebarButton"]').first.click()
    page.wait_for_timeout(800)  # the sidebar slides in
    sidebar = page.locator('section[data-testid="stSidebar"]').bounding_box()
    assert sidebar["x"] + sidebar["width"] <= PHONE["viewport"]["width"] * 2 / 3
    page.context.close()


@pytest.mark.parametrize("device", [PROJECTOR, PHONE], ids=["projector", "phone"])
def test_dropdown_options_are_not_cut_off(server, browser, device):
    page = open_page(browser, server, device)
    if device is PHONE:
        page.locator('[data-testid="stExpandSidebarButton"]').first.click()
        page.wait_for_timeout(800)
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').last  # "Add a schedule"
    picker.scroll_into_view_if_needed()
    picker.click()
    page.wait_for_selector('[role="option"]')
    cut = page.evaluate("""() => [...document.querySelectorAll('[role="option"] > div')]
        .filter(text => text.scrollWidth > text.clientWidth + 1 || text.scrollHeight > text.clientHeight + 1)
        .map(text => text.innerText)""")
    shown = page.locator('[role="option"]').count()
    assert shown >= 5 and cut == []
    page.context.close()


def test_range_test_labels_sit_on_their_lines(server, browser):
    page = open_page(browser, server, PROJECTOR)
    page.get_by_text("LR range test", exact=True).first.click()
    settle(page)
    plot = chart(page, "LR range test")
    names = plot.evaluate("plot => plot.layout.shapes.map(s => s.name)")
    drawn = plot.locator(".shapelayer path").all()  # the lines as the browser drew them, in layout order
    assert len(names) == len(drawn) == plot.locator(".annotation").count() == 2
    for name, path in zip(names, drawn, strict=True):
        line = path.bounding_box()
        x = line["x"] + line["width"] / 2
        box = plot.locator(".annotation", has_text=name).bounding_box()
        assert min(abs(box["x"] - x), abs(box["x"] + box["width"] - x)) < 12, (name, x, box)  # starts or ends at it
        assert line["height"] > 100  # a line across the plot, not a stray mark
    page.context.close()


def test_a_typed_value_beyond_the_slider_is_kept_and_the_slider_stands_at_its_end(server, browser):
    page = open_page(browser, f"{server}/?epochs=10&s=CosineAnnealingLR(T_max%3D10)", PROJECTOR)
    box = page.locator('[data-testid="stSidebar"] input[type="number"][aria-label="T_max"]:visible').first
    assert box.input_value() == "10"
    box.fill("40")
    box.press("Enter")
    settle(page)
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .some(p => p.data && p.data.some(t => t.legendgroup === 'CosineAnnealingLR(T_max=40)'))""", timeout=60_000)
    thumb = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="T_max"]').first
    assert (thumb.get_attribute("max"), thumb.input_value()) == ("10", "10")  # the slider at its end
    assert box.input_value() == "40"  # the box exact
    page.context.close()


SMALL_TEXT = """() => [...document.querySelectorAll('[data-testid="stMain"] *')].filter(e =>
    e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
    && !e.closest('.js-plotly-plot, .katex-mathml')  /* a formula's copy for screen readers, clipped from sight */
    && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
    && parseFloat(getComputedStyle(e).fontSize) < 16).map(e => e.textContent.trim().slice(0, 40))"""


def test_a_present_link_opens_a_projector_layout_on_one_screen(server, browser):
    """At 1920×1080, without scrolling: the scenario's title and line, the legend and both charts with their
    titles; the sidebar closed; no text under 16 px (in the charts' SVG either)."""
    page = open_page(browser, f"{server}/?present=1", PROJECTOR)
    assert page.evaluate("window.scrollY") == 0
    sidebar = page.locator('section[data-testid="stSidebar"]').bounding_box()
    assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0  # closed
    boxes = [page.locator(".lrviz-story h2").bounding_box(), page.locator(".lrviz-story p").bounding_box(),
             page.locator(".lrviz-legend").bounding_box()]
    boxes += [chart(page, title).bounding_box() for title in ("Learning rate", "Training loss")]
    boxes += [chart(page, title).locator(".gtitle").bounding_box() for title in ("Learning rate", "Training loss")]
    for box in boxes:
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["viewport"]["height"], box
    assert page.evaluate(SMALL_TEXT) == []
    svg = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot text')]
        .filter(e => e.textContent.trim())
        .map(e => parseFloat(getComputedStyle(e).fontSize))""")
    assert svg and min(svg) >= 16
    page.context.close()


def test_stacked_charts_share_their_x_axis_pixels(server, browser):
    page = open_page(browser, f"{server}/?present=1", PROJECTOR)
    plots = [chart(page, title).locator(".nsewdrag").first.bounding_box() for title in ("Learning rate",
                                                                                     "Training loss")]
    assert abs(plots[0]["x"] - plots[1]["x"]) < 1 and abs(plots[0]["width"] - plots[1]["width"]) < 1
    page.context.close()
