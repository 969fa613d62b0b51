"""Class mode in a real browser: a teacher starts a class, two students answer, the live view
follows without a reload, and Reveal reaches the students.

The teacher opens Derivatives at x₀ = 1.5, opens "For teachers: make a lesson link", picks the
exercise on the slope of x², and presses "Start a class with this lesson". Two fresh browser
contexts (the students) open the student link and answer, one right and one wrong; the
teacher's live view, opened from its own link, counts them within a few seconds (it refreshes
every 2 s without reloading). The teacher reveals the exercise; the student who answered wrong
sees the answer within a few seconds, without doing anything.
"""

import re

import pytest
from playwright.sync_api import expect

from gradcore.exercises.catalogue import BY_ID
from tests.e2e.browser import metric_values, open_page, page_problems, wait_ready
from tests.e2e.test_teacher_link import choose

pytestmark = pytest.mark.e2e

LIVE_UPDATE_MS = 15_000


def start_class(page, app_server) -> tuple[str, str, str]:
    """The teacher's side: the class code, the student link and the live-view link."""
    exercise = BY_ID["square-slope"]
    open_page(page, f"{app_server.url}/derivatives?x0=1.5")
    page.get_by_text("For teachers: make a lesson link").click()
    wait_ready(page)
    choose(page, "Open with this exercise", exercise.id, f"{exercise.id}: {exercise.prompt[:60]}…")
    page.get_by_role("button", name="Start a class with this lesson").click()
    wait_ready(page)
    started = page.get_by_text(re.compile(r"Class \w{4}-\w{4} is open"))
    expect(started).to_be_visible()
    code = re.search(r"\w{4}-\w{4}", started.inner_text()).group(0)
    codes = page.locator("[data-testid='stExpander']", has_text="For teachers") \
        .locator("[data-testid='stCode'] code")
    # The live view's link is drawn after the class line: wait for it (a busy machine drew
    # the line before it once, and the links read then lacked it).
    expect(codes.filter(has_text="teacher=").first).to_be_attached()
    links = codes.all_inner_texts()
    student = next(link.strip() for link in links if f"class={code}" in link
                   and "teacher=" not in link)
    teacher = next(link.strip() for link in links if "teacher=" in link)
    assert "lesson=" in student
    return code, student, teacher


def answer(student, text: str) -> None:
    student.get_by_label("Your answer").fill(text)
    student.get_by_role("button", name="Check").click()
    wait_ready(student)


def test_a_class_answers_and_the_teacher_sees_it_live(new_page, app_server):
    teacher = new_page()
    code, student_link, teacher_link = start_class(teacher, app_server)

    view = new_page()
    open_page(view, teacher_link)
    expect(view.get_by_text(f"Class {code}")).to_be_visible()
    assert metric_values(view)["Students joined"] == "0"

    first, second = new_page(390, 844), new_page()
    for student in (first, second):
        open_page(student, student_link)
        expect(student.get_by_text(re.compile(f"You are in class {code}"))).to_be_visible()
    answer(first, "2.25")  # f(x₀), not the slope
    answer(second, "3")
    expect(second.get_by_text(re.compile("^Right"))).to_be_visible()

    # The live view counts both without a reload (its fragment reruns every 2 s).
    expect(view.get_by_test_id("stMetric").filter(has_text="Answered")).to_contain_text(
        "2", timeout=LIVE_UPDATE_MS)
    shown = metric_values(view)
    assert shown["Students joined"] == "2" and shown["Right"] == "1"
    assert shown["Right at the first try"] == "1"

    view.get_by_role("button", name="Reveal to the class").click()
    expect(first.get_by_text("Your teacher revealed the answer")).to_be_visible(
        timeout=LIVE_UPDATE_MS)
    expect(first.get_by_text("Tangent slope f′(x₀)")).to_be_visible()
    for page in (teacher, view, first, second):
        assert page_problems(page) == []
