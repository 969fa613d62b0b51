"""Home in a real browser: title, formula, links to every lesson, nothing broken."""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import open_page, page_problems
from ui.shell.lessons import LESSONS

pytestmark = pytest.mark.e2e

# lesson title -> its address, from the lessons table
LESSON_PATHS = {lesson.title: f"/{lesson.url_path}" for lesson in LESSONS}


def test_home_renders(page, app_server):
    """Home shows its title, the gradient formula in KaTeX and a link to every lesson."""
    open_page(page, app_server.url + "/")
    expect(page.get_by_role("heading", name="Gradient Lab", level=1)).to_be_visible()
    assert page.locator("[data-testid='stMain'] .katex").count() >= 1
    links = page.locator("[data-testid='stMain'] [data-testid='stPageLink'] a")
    targets = {links.nth(i).get_attribute("href").split("//", 1)[-1].split("/", 1)[-1]
               for i in range(links.count())}
    assert {path.lstrip("/") for path in LESSON_PATHS.values()} <= targets, targets
    assert page_problems(page) == []


@pytest.mark.parametrize("lesson", ["Derivatives", "Linear regression"])
def test_home_link_opens_the_lesson(page, app_server, lesson):
    """Clicking a lesson on Home opens that page at its own address."""
    open_page(page, app_server.url + "/")
    page.locator("[data-testid='stMain'] [data-testid='stPageLink']").get_by_text(lesson).click()
    expect(page).to_have_url(app_server.url + LESSON_PATHS[lesson])
    expect(page.locator("h1").first).to_be_visible()
    assert page_problems(page) == []
