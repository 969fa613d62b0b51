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
    watched_page,
)

pytestmark = pytest.mark.e2e

FORWARD = ".st-key-k_forward button"
LINE_CSV = b"x,y\n1,4\n2,7\n3,10\n4,13\n5,16\n"
# The text Plotly shows above the replay slider ("replay step 12").
PLOTLY_INTERRUPTED = "uncaught: undefined"
# True while plotly's animation loop runs on this chart (between Play and Pause or the end).
ANIMATING_JS = """el => Boolean(el._transitionData && (el._transitionData._animationRaf
    || (el._transitionData._frameQueue || []).length))"""
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


def test_play_replays_the_steps_in_the_browser_and_pause_stops_it(browser, app_server):
    """The replay does not start by itself; Play moves the replay step forward without a
    server round trip; Pause stops the animation (plotly's animation loop ends).

    Plotly's Pause interrupts the Play button's promise, which plotly leaves unhandled: the
    browser logs one "uncaught: undefined" at that moment (PLOTLY_INTERRUPTED) and nothing
    else; this test therefore watches the console itself instead of through the `page`
    fixture, and allows exactly that message, only after Pause."""
    with watched_page(browser) as (page, console):
        open_page(page, f"{app_server.url}/linear-regression?lr=0.1")
        first = page.evaluate(REPLAY_LABEL_JS)
        assert first == "replay step 0"
        chart = page.locator(".js-plotly-plot").first
        assert chart.evaluate(ANIMATING_JS) is False
        chart.locator(".updatemenu-button", has_text="Play").click()
        page.wait_for_function(
            f"() => {{ const t = ({REPLAY_LABEL_JS})(); return t !== null && t !== {first!r}; }}"
        )
        assert int(page.evaluate(REPLAY_LABEL_JS).rsplit(" ", 1)[1]) > 0
        assert chart.evaluate(ANIMATING_JS) is True
        assert console.real_errors() == []
        chart.locator(".updatemenu-button", has_text="Pause").click()
        page.wait_for_function(
            f"() => ({ANIMATING_JS})(document.querySelector('.js-plotly-plot')) === false")
        assert metric_values(page)["step k"].startswith("0 of ")
        assert set(console.real_errors()) <= {PLOTLY_INTERRUPTED}
        assert page_problems(page) == []


def test_keyboard_shortcuts_step_and_are_documented(page, app_server):
    """Right, End, Left and Home step forward, to the end, back and to the start; the page
    names the keys next to the stepper, and each button shows its key."""
    open_page(page, f"{app_server.url}/linear-regression?lr=0.1")
    assert "Keyboard: ← back, → forward, Home start, End end" in page.inner_text("body")
    badges = page.locator("[class*='st-key-k_'] [aria-label^='Shortcut']")
    labels = badges.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert sorted(labels) == sorted(["Shortcut Home", "Shortcut ←", "Shortcut →", "Shortcut End"])
    step = metric_values(page)["step k"]
    total = step.split(" of ")[1]
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for key, expected in (("ArrowRight", "1"), ("End", total), ("ArrowLeft", str(int(total) - 1)),
                          ("Home", "0")):
        page.keyboard.press(key)
        step = wait_metric_change(page, "step k", step)
        assert step == f"{expected} of {total}", key
    expect(page).not_to_have_url(re.compile(r"[?&]k="))
    assert page_problems(page) == []


def test_arrow_keys_on_a_focused_slider_or_box_do_not_also_step(page, app_server):
    """An arrow key on the focused step slider moves it by one step, not two (the forward
    shortcut stays quiet), and arrows in a number box move its cursor, not the step. A mouse
    click on forward afterwards lands exactly one further, so no extra step was queued."""
    open_page(page, f"{app_server.url}/linear-regression?lr=0.1")
    step = metric_values(page)["step k"]
    total = step.split(" of ")[1]
    slider = page.get_by_role("slider", name="step k")
    slider.focus()
    slider.press("ArrowRight")
    step = wait_metric_change(page, "step k", step)
    assert step == f"1 of {total}"
    box = page.get_by_role("spinbutton", name="Steps")
    box.focus()
    for key in ("ArrowLeft", "ArrowRight", "Home", "End"):
        box.press(key)
    page.locator(FORWARD).click()
    step = wait_metric_change(page, "step k", step)
    assert step == f"2 of {total}"
    assert page.get_by_role("spinbutton", name="Steps").input_value() == "200"
    assert page_problems(page) == []


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


LEGEND_LINE_JS = """() => [...document.querySelectorAll('.js-plotly-plot .legendtext')]
    .map(t => t.textContent).find(t => t.startsWith('GD line at step')) ?? null"""


def test_the_legend_follows_the_replay(page, app_server):
    """During Play the legend names the step the line is at (it kept saying "step 0")."""
    open_page(page, f"{app_server.url}/linear-regression?lr=0.1")
    assert page.evaluate(LEGEND_LINE_JS) == "GD line at step 0"
    chart = page.locator(".js-plotly-plot").first
    chart.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function(
        f"() => {{ const t = ({LEGEND_LINE_JS})(); return t !== null && t !== 'GD line at step 0'; }}")
    label = page.evaluate(REPLAY_LABEL_JS)
    legend = page.evaluate(LEGEND_LINE_JS)
    assert int(legend.rsplit(" ", 1)[1]) > 0
    # The replay slider and the legend name the same step, give or take the frame in flight.
    assert abs(int(legend.rsplit(" ", 1)[1]) - int(label.rsplit(" ", 1)[1])) <= 20
