"""Every lesson page in a real browser: its title, its charts and formulas, nothing broken."""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import (
    latex_sources,
    metric_values,
    open_page,
    page_problems,
    plot_summaries,
)
from ui.shell.lessons import LESSONS

pytestmark = pytest.mark.e2e

LESSON_PATHS = [lesson.url_path for lesson in LESSONS]
# url path -> (title shown as the page's h1, minimum number of Plotly charts on first load);
# test_every_lesson_has_its_page_data fails when a lesson is added without its line here.
PAGES = {
    "derivatives": ("Derivatives", 2),
    "gradients": ("Gradients", 2),
    "subgradient": ("Subgradients", 2),
    "chain-rule": ("Chain rule", 1),
    "linear-regression": ("Gradient descent for linear regression", 2),  # the open tab's two
}


def test_every_lesson_has_its_page_data():
    """The tables above and the lessons table name the same pages, so a new lesson cannot
    skip these browser tests unnoticed (no browser needed)."""
    assert sorted(PAGES) == sorted(LESSON_PATHS)
    assert sorted(SHARED_VIEWS) == sorted(LESSON_PATHS)


@pytest.mark.parametrize("path", LESSON_PATHS)
def test_page_renders_title_charts_and_formulas(page, app_server, path):
    """The page shows its title, non-empty Plotly charts with a size, KaTeX, and no error."""
    title, min_charts = PAGES[path]
    open_page(page, f"{app_server.url}/{path}")
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    charts = plot_summaries(page)
    assert len(charts) >= min_charts, charts
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["points"] >= 1 or chart["marks"] >= 1, chart
    formulas = latex_sources(page)
    assert len(formulas) >= 2 and all(f.strip() for f in formulas), formulas
    assert page_problems(page) == []


@pytest.mark.parametrize("path", ["derivatives", "linear-regression"])
def test_page_fits_a_phone(new_page, app_server, path):
    """At 390×844 the page renders with its charts no wider than the screen."""
    page = new_page(390, 844)
    open_page(page, f"{app_server.url}/{path}")
    charts = plot_summaries(page)
    assert charts and all(0 < c["width"] <= 390 for c in charts), charts
    assert page_problems(page) == []


# A view per page whose settings are all away from their defaults (Streamlit drops a
# setting at its default from the address), so the link has to carry every one of them.
SHARED_VIEWS = {
    "derivatives": "fn=sigmoid&x0=0.5&h=0.1",
    "gradients": "p_x=0.5&p_y=2.0&p_z=3.0",
    "subgradient": "fn=hinge&x0=1.0&g=-0.5",
    "chain-rule": "x=3.0",
    "linear-regression": "ds=diabetes&k=3",
}


@pytest.mark.parametrize("path", LESSON_PATHS)
def test_share_box_gives_this_pages_address_and_it_opens_the_same_view(page, new_page,
                                                                       app_server, path):
    """The link in "Share this view" is the page's own address with its settings, and a
    fresh browser that opens it sees the same title and numbers."""
    open_page(page, f"{app_server.url}/{path}?{SHARED_VIEWS[path]}")
    page.get_by_text("Share this view").click()
    code = page.locator("[data-testid='stExpander']", has_text="Share this view").last \
        .locator("[data-testid='stCode'] code")
    expect(code).to_be_visible()
    link = code.inner_text().strip()
    assert link.startswith(f"{app_server.url}/{path}?"), link
    assert link == page.url
    for setting in SHARED_VIEWS[path].split("&"):
        assert setting in link, (setting, link)
    visitor = new_page()
    open_page(visitor, link)
    title = PAGES[path][0]
    expect(visitor.get_by_role("heading", name=title, level=1)).to_be_visible()
    assert metric_values(visitor) == metric_values(page)
    assert page_problems(visitor) == []


@pytest.mark.parametrize(("width", "shown"), [(390, False), (1280, True)])
def test_chart_tool_bar_leaves_the_legend_alone_on_a_phone(new_page, app_server, width, shown):
    """On a phone plotly's tool bar is hidden (it covered "tangent", "secant" and Play);
    on a laptop it is there, on hover as usual."""
    page = new_page(width, 844)
    open_page(page, f"{app_server.url}/derivatives")
    page.locator(".js-plotly-plot").first.hover()
    displays = page.eval_on_selector_all(
        ".js-plotly-plot .modebar-container",
        "nodes => nodes.map(n => getComputedStyle(n).display)")
    assert displays
    assert all((d != "none") == shown for d in displays), displays
