"""The regression page in a real browser: step, play, upload a CSV, share the view.

Hand-checked numbers for the uploaded line y = 3x + 1, x = 1..5: at the start (w = b = 0)
the loss is mean(y²) = 590 / 5 = 118; one step with η = 0.1 moves b to
0 − η · 2/N Σ(0 − yᵢ) = 0.2 · mean(y) = 2 (standardised features have mean 0, so b's
gradient does not depend on w).
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

FORWARD = ".st-key-k_forward button"
LINE_CSV = b"x,y\n1,4\n2,7\n3,10\n4,13\n5,16\n"
# The text Plotly shows above the replay slider ("replay step 12").
REPLAY_LABEL_JS = """() => [...document.querySelectorAll('.js-plotly-plot text.slider-label')]
    .map(t => t.textContent).find(t => t.startsWith('replay step')) ?? null"""


def test_step_forward_changes_the_numbers_and_the_link_keeps_the_step(page, new_page, app_server):
    """One click on "forward" shows step 1 with new w and loss; the link opens step 1."""
    open_page(page, f"{app_server.url}/linear-regression?lr=0.1")
    start = metric_values(page)
    assert start["step k"].startswith("0 of ") and start["w (standardised units)"] == "0" \
        and start["b (standardised units)"] == "0"
    page.locator(FORWARD).click()
    total = start["step k"].split(" of ")[1]
    assert wait_metric_change(page, "step k", start["step k"]) == f"1 of {total}"
    after = metric_values(page)
    assert after["w (standardised units)"] != "0" and float(after["loss L(w, b)"]) < float(start["loss L(w, b)"])
    expect(page).to_have_url(re.compile(r"[?&]k=1(&|$)"))
    visitor = new_page()
    open_page(visitor, page.url)
    assert metric_values(visitor) == after
    assert page_problems(page) == [] and page_problems(visitor) == []


def test_play_replays_the_steps_in_the_browser(page, app_server):
    """The chart's Play button moves the replay step forward without a server round trip."""
    open_page(page, f"{app_server.url}/linear-regression?lr=0.1")
    first = page.evaluate(REPLAY_LABEL_JS)
    assert first == "replay step 0"
    chart = page.locator(".js-plotly-plot").first
    chart.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function(
        f"() => {{ const t = ({REPLAY_LABEL_JS})(); return t !== null && t !== {first!r}; }}"
    )
    assert int(page.evaluate(REPLAY_LABEL_JS).rsplit(" ", 1)[1]) > 0
    assert metric_values(page)["step k"].startswith("0 of ")


def test_upload_a_csv_and_step_gradient_descent(page, app_server):
    """A CSV sent through the file input is used: loss 118 at the start, b = 2 after a step."""
    open_page(page, f"{app_server.url}/linear-regression?src=upload&lr=0.1")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": "line.csv", "mimeType": "text/csv", "buffer": LINE_CSV}
    )
    page.wait_for_selector("[data-testid='stMetric']")
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stMetricValue']")]
                 .some(v => v.innerText.trim() === '118')"""
    )
    wait_ready(page)
    start = metric_values(page)
    assert start["loss L(w, b)"] == "118" and start["step k"].startswith("0 of ")
    page.locator(FORWARD).click()
    wait_metric_change(page, "step k", start["step k"])
    assert metric_values(page)["b (standardised units)"] == "2"
    assert page_problems(page) == []


def test_switching_dataset_after_choosing_columns_gives_a_clean_page(page, app_server):
    """Diabetes with target bmi, then the dataset box set to tips: tips' own target and
    feature, no "not usable" note, no error, and the address no longer names bmi."""
    open_page(page, f"{app_server.url}/linear-regression?ds=diabetes&target=bmi&feats=age")
    target = page.get_by_role("combobox", name="Target y")
    expect(target).to_have_value("bmi")
    page.get_by_role("combobox", name="Dataset").click()
    page.get_by_role("option", name="tips", exact=True).click()
    expect(target).to_have_value("tip", timeout=30_000)
    wait_ready(page)
    assert "not usable" not in page.inner_text("body")
    assert "bmi" not in page.url
    assert metric_values(page)["step k"].startswith("0 of ")
    assert page_problems(page) == []
