"""A teacher's lesson link in a real browser: built in the panel, opened by a student.

The teacher sets up Derivatives, opens "For teachers: make a lesson link", writes a task, locks
the point x₀, hides the step h, picks an exercise and presentation mode, and copies the link.
A fresh browser context (the student) opens it: no sidebar, the task, the exercise with the
page's answer hidden, x₀ locked; a right answer reveals the slope.
"""

import pytest
from playwright.sync_api import expect

from gradcore.exercises import BY_ID
from tests.e2e.browser import metric_values, open_page, page_problems, wait_ready

pytestmark = pytest.mark.e2e

TASK = "Predict the slope at the marked point before you check it."
HIDDEN = "Answer the exercise above to see"


def choose(page, label: str, typed: str, option: str) -> None:
    """Pick `option` in the select box or multiselect labelled `label`: type `typed` into its
    search box so that only that option is left, then click it."""
    wait_ready(page)
    box = page.get_by_label(label)
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type(typed)
    choice = page.get_by_role("option", name=option)
    expect(choice).to_have_count(1)
    expect(choice).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_ready(page)


def test_teacher_builds_a_lesson_link_and_a_student_answers_in_presentation_mode(
        page, new_page, app_server):
    exercise = BY_ID["square-slope"]
    open_page(page, f"{app_server.url}/derivatives")
    page.get_by_text("For teachers: make a lesson link").click()
    page.get_by_label("Task for the students (plain text)").fill(TASK)
    page.get_by_label("Task for the students (plain text)").blur()
    wait_ready(page)
    built = page.locator("[data-testid='stExpander']", has_text="For teachers") \
        .locator("[data-testid='stCode'] code")
    expect(built).to_contain_text("task=Predict")
    choose(page, "Hide these controls", "Secant step", "Secant step h (h)")
    expect(built).to_contain_text("hide=h")
    choose(page, "Lock these controls", "Point", "Point x₀ (x0)")
    expect(built).to_contain_text("lock=x0")
    choose(page, "Open with this exercise", exercise.id, f"{exercise.id}: {exercise.prompt[:60]}…")
    page.get_by_text("Presentation mode (larger text, no sidebar, for a projector)").click()
    wait_ready(page)
    code = page.locator("[data-testid='stCode']").filter(has_text="present=true")
    expect(code).to_have_count(1)
    link = code.inner_text().strip()
    assert "task=" in link and "lock=x0" in link and "hide=h" in link
    assert f"ex={exercise.id}" in link
    assert "task=" not in page.url  # the panel does not change the teacher's own view

    student = new_page()
    open_page(student, link)
    expect(student.get_by_test_id("stSidebar")).to_be_hidden()
    expect(student.get_by_text(TASK)).to_be_visible()
    expect(student.get_by_text("For teachers: make a lesson link")).to_have_count(0)
    expect(student.get_by_text(exercise.prompt).first).to_be_visible()
    expect(student.get_by_text(HIDDEN).first).to_be_visible()
    expect(student.get_by_role("slider", name="Point x₀")).to_be_disabled()
    expect(student.get_by_text("Secant step h")).to_have_count(0)
    assert "Tangent slope f′(x₀)" not in metric_values(student)

    student.get_by_role("textbox", name="Your answer").fill(exercise.solution)
    student.get_by_role("button", name="Check").click()
    wait_ready(student)
    expect(student.get_by_text(exercise.check(exercise.solution).message)).to_be_visible()
    expect(student.get_by_text(HIDDEN)).to_have_count(0)
    slope = student.get_by_test_id("stMetric").filter(has_text="Tangent slope f′(x₀)")
    expect(slope.get_by_test_id("stMetricValue")).to_have_text("3")
    wait_ready(student)
    assert page_problems(student) == []
