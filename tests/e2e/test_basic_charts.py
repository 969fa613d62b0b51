"""The regression page's step charts, drawn with plotly.js's basic bundle (ui/charts/plot.py),
in Chromium: the page loads that bundle and neither the cartesian one nor Streamlit's chart bundle, the charts fill their
columns on a laptop and on a phone, are named for screen readers, take the page's theme, and
keep their replay frames. tests/e2e/test_regression.py plays and pauses the replay."""

from __future__ import annotations

import pytest

from tests.e2e.browser import PageLog, open_page, wait_ready
from ui.charts import plot

pytestmark = pytest.mark.e2e

CHARTS_JS = """() => [...document.querySelectorAll('.gradlab-chart')].map(chart => ({
    label: chart.getAttribute('aria-label'), role: chart.getAttribute('role'),
    drawn: chart.querySelector('.main-svg') !== null,
    width: chart.getBoundingClientRect().width,
    column: chart.parentElement.getBoundingClientRect().width,
    traces: (chart.data || []).length,
    frames: chart._transitionData ? chart._transitionData._frames.length : 0,
    legend: chart._fullLayout ? chart._fullLayout.legend.font.color : null,
    text: getComputedStyle(chart.parentElement).getPropertyValue('--st-text-color').trim(),
}))"""
DRAWN_JS = ("() => { const charts = [...document.querySelectorAll('.gradlab-chart')];"
            " return charts.length === 2 && charts.every(c => c.querySelector('.main-svg')); }")


def _charts(page, url: str) -> tuple[list[dict], list[str]]:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    open_page(page, url)
    page.wait_for_function(DRAWN_JS)
    return page.evaluate(CHARTS_JS), asked


@pytest.mark.parametrize("width", [1280, 390])
def test_the_step_charts_are_drawn_by_the_basic_bundle(new_page, app_server, width):
    page = new_page(width, 900)
    charts, asked = _charts(page, f"{app_server.url}/linear-regression")
    assert page.evaluate("window.Plotly.version") == plot.PLOTLY_VERSION
    assert [url for url in asked if url.endswith(plot.BASIC.path)]
    assert not [url for url in asked if url.endswith(plot.CARTESIAN.path)]
    assert not [url for url in asked if "/PlotlyChart." in url], "Streamlit's chart bundle"
    assert [(c["role"], c["label"]) for c in charts] == [
        ("figure", "Data, the line at step k and scikit-learn's line"),
        ("figure", "Loss against step")]
    fit, loss = charts
    assert fit["traces"] == 4 and fit["frames"] > 1 and loss["traces"] == 2
    for chart in charts:  # across its column, never wider (no sideways scrolling on a phone)
        assert chart["drawn"] and chart["column"] > 200
        assert abs(chart["width"] - chart["column"]) <= 1, chart
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_charts_take_the_dark_theme(browser, app_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        page = context.new_page()
        log = PageLog()
        log.attach(page)
        charts, _ = _charts(page, f"{app_server.url}/linear-regression")
        for chart in charts:  # the legend's text is the page's text colour, light on dark
            assert chart["text"] and chart["legend"].lower() == chart["text"].lower()
            red, green, blue = (int(chart["text"][i:i + 2], 16) for i in (1, 3, 5))
            assert min(red, green, blue) > 180, chart["text"]
        assert not log.real_errors()
    finally:
        context.close()


def test_a_step_redraws_the_same_chart(page, app_server):
    """The stepper's → redraws the charts in place (Plotly.react on the same element)."""
    charts, _ = _charts(page, f"{app_server.url}/linear-regression")
    page.evaluate("document.querySelectorAll('.gradlab-chart')[1].dataset.mark = 'kept'")
    page.get_by_role("button", name="forward").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('.gradlab-chart')][1]"
                           "._fullData.some(t => t.name === 'step 1')")
    wait_ready(page)
    assert page.evaluate("document.querySelectorAll('.gradlab-chart')[1].dataset.mark") == "kept"


def test_the_gradients_page_loads_one_bundle_for_its_map_and_its_curve(page, app_server):
    """The contour map needs the cartesian bundle; the curve beside it, drawn after it, uses
    that one instead of loading the basic one as well."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    open_page(page, f"{app_server.url}/gradients")
    kinds = page.evaluate("""() => [...document.querySelectorAll('.gradlab-chart')]
        .map(chart => chart._fullData.map(trace => trace.type))""")
    assert "contour" in kinds[0] and set(kinds[1]) == {"scatter"}
    assert [url for url in asked if url.endswith(plot.CARTESIAN.path)]
    assert not [url for url in asked if url.endswith(plot.BASIC.path)]
    assert not [url for url in asked if "/PlotlyChart." in url], "Streamlit's chart bundle"
