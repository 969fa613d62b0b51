"""An exercise in a real browser: open its link, predict, check, see the page; new numbers."""

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from gradcore.exercises.catalogue import BY_ID, SEED_PARAM
from tests.e2e.browser import metric_values, open_page, page_problems, wait_ready
from ui.shell.exercise_panel import next_seed

pytestmark = pytest.mark.e2e

HIDDEN = "Answer the exercise above to see"


def check(page, text: str) -> None:
    """Type `text` into the answer box and press Check, as a student does."""
    page.get_by_role("textbox", name="Your answer").fill(text)
    page.get_by_role("button", name="Check").click()
    wait_ready(page)


def test_gradient_exercise_wrong_then_right_then_new_numbers(page, app_server):
    """/gradients?ex=gradient-3d: ∇f hidden; a wrong answer gets its advice; the solution gets
    a success and shows ∇f; New numbers puts a new seed and point into the address."""
    exercise = BY_ID["gradient-3d"]
    task = exercise.instance()
    open_page(page, f"{app_server.url}/gradients?{urlencode(task.query())}")
    expect(page.get_by_text(task.prompt)).to_be_visible()
    expect(page.get_by_text(HIDDEN)).to_be_visible()
    assert "∂f/∂x" not in metric_values(page)

    check(page, "(2, 4, 6)")
    expect(page.get_by_text("coefficient is missing")).to_be_visible()
    expect(page.get_by_text(HIDDEN)).to_be_visible()

    check(page, task.solution)
    expect(page.get_by_text(task.check(task.solution).message)).to_be_visible()
    expect(page.get_by_text(HIDDEN)).to_have_count(0)
    partial = page.get_by_test_id("stMetric").filter(has_text="∂f/∂y")
    expect(partial.get_by_test_id("stMetricValue")).to_have_text("8")
    wait_ready(page)

    page.get_by_role("button", name="New numbers").click()
    new = exercise.instance(next_seed(exercise, 0))
    expect(page.get_by_text(new.prompt)).to_be_visible()
    wait_ready(page)
    assert f"{SEED_PARAM}={new.seed}" in page.url
    assert f"p_x={new.link['p_x']}" in page.url
    expect(page.get_by_text(HIDDEN)).to_be_visible()
    assert page_problems(page) == []
