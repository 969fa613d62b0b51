"""The click sequences that crashed pages in the first classroom trial, in a real browser.

Each ended in "This app has encountered an error" with the controls gone. Here each is done as
a student does it, and the page must keep working, say what it should, and keep an address
that opens the same view.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import (
    metric_values,
    open_page,
    page_problems,
    wait_metric_change,
    wait_ready,
)

pytestmark = pytest.mark.e2e


def test_removing_the_only_feature_then_choosing_it_again(page, app_server):
    """Tips: × on total_bill asks for a feature; the box still works and the fit returns."""
    open_page(page, f"{app_server.url}/linear-regression")
    features = page.locator(".st-key-feats")
    features.get_by_role("button", name=re.compile("Remove total_bill|Delete")).first.click()
    expect(page.get_by_text("Choose at least one feature.")).to_be_visible(timeout=30_000)
    wait_ready(page)
    assert page_problems(page) == []
    expect(page).to_have_url(re.compile(r"[?&]feats=(&|$)"))
    features.get_by_role("combobox").click()
    page.get_by_role("option", name="total_bill", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid='stMetric']")
    wait_ready(page)
    assert metric_values(page)["step k"].startswith("0 of ")
    assert page_problems(page) == []


def test_end_then_a_larger_learning_rate_clamps_the_step(page, new_page, app_server):
    """η 0.01: end (200 of 200), then η 0.2 converges sooner: k is its last step, and the
    address opens that same step."""
    open_page(page, f"{app_server.url}/linear-regression?lr=0.01")
    page.locator(".st-key-k_end button").click()
    assert wait_metric_change(page, "step k", "0 of 200") == "200 of 200"
    slider = page.get_by_role("slider", name="Learning rate η (log scale)")
    slider.focus()
    for _ in range(3):  # 0.01 -> 0.02 -> 0.05 -> 0.1
        slider.press("ArrowRight")
    shown = wait_metric_change(page, "step k", "200 of 200")
    k, last = shown.split(" of ")
    assert k == last and int(last) < 200
    expect(page).to_have_url(re.compile(rf"[?&]k={last}(&|$)"))
    assert page_problems(page) == []
    visitor = new_page()
    open_page(visitor, page.url)
    assert metric_values(visitor) == metric_values(page)


def test_axis_z_then_the_squared_norm(page, app_server):
    """Gradients: Horizontal axis z, then ‖w‖²: the axis falls back to w1 without an error."""
    open_page(page, f"{app_server.url}/gradients")
    page.get_by_role("combobox", name="Horizontal axis").click()
    page.get_by_role("option", name="z", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]sx=z(&|$)"), timeout=30_000)
    wait_ready(page)
    page.get_by_role("combobox", name="Function").click()
    page.get_by_role("option", name=re.compile("‖w‖")).click()
    expect(page.get_by_role("combobox", name="Horizontal axis")).to_have_value(
        "w1", timeout=30_000)
    wait_ready(page)
    assert "sx=" not in page.url and "fn=sqnorm" in page.url
    assert page_problems(page) == []


@pytest.mark.parametrize("steps", ["inf", "1e309"])
def test_a_link_with_an_infinite_step_count(page, app_server, steps):
    """?steps=inf raised OverflowError inside Streamlit; now a note and 200 steps."""
    open_page(page, f"{app_server.url}/linear-regression?steps={steps}")
    expect(page.get_by_text("This link had settings that could not be used.")).to_be_visible()
    assert metric_values(page)["step k"] == "0 of 103"
    assert page_problems(page) == []
