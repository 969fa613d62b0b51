"""Random click sequences in Chromium: afterwards the share box equals the address bar, and a
fresh browser opening it sees the same numbers.

The sequences are seeded and use what a student uses: arrow keys on sliders, a random option
of a dropdown, a checkbox or toggle, the step buttons. They complement the AppTest fuzzer
(tests/test_fuzz_pages.py), which does many more steps but cannot see the browser's address.
"""

import random

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.browser import metric_values, open_page, page_problems, wait_ready
from ui.shell.lessons import LESSONS

pytestmark = pytest.mark.e2e

ACTIONS = 6
CONTROLS = "[data-testid='stMain']"


def share_link(page) -> str:
    """The link shown in "Share this view" (opened if it is folded)."""
    expander = page.locator("[data-testid='stExpander']", has_text="Share this view").last
    code = expander.locator("[data-testid='stCode'] code")
    if not code.is_visible():
        expander.get_by_text("Share this view").click()
    code.wait_for(state="visible")
    return code.inner_text().strip()


def settle(page) -> None:
    """Wait for the rerun an action starts (if it starts one) to finish.

    An action that changes nothing (a slider already at its end) starts no run, so the wait
    for a run to begin is short and its time-out is not an error."""
    try:
        page.wait_for_selector("[data-test-script-state='running']", timeout=1_500)
    except PlaywrightTimeout:
        pass
    wait_ready(page)


def random_action(page, rng: random.Random) -> str:
    """One ordinary change to a random enabled control of the page; returns what it did."""
    main = page.locator(CONTROLS)
    kinds = {
        "slider": main.get_by_role("slider"),
        "combobox": main.locator("[data-baseweb='select'] input[role='combobox']:not([disabled])"),
        "checkbox": main.locator("label:has(input[type='checkbox']:not([disabled]))"),
        "step": main.locator(".st-key-k_forward button, .st-key-k_back button, "
                             ".st-key-k_end button"),
    }
    # Only what a student can reach: controls in a folded expander (the teacher panel) are in
    # the page but not visible.
    kinds = {kind: found.filter(visible=True) for kind, found in kinds.items()}
    present = [kind for kind, found in kinds.items() if found.count()]
    kind = rng.choice(present)
    found = kinds[kind]
    target = found.nth(rng.randrange(found.count()))
    if kind == "slider":
        target.focus()
        key = rng.choice(["ArrowRight", "ArrowLeft", "End", "Home"])
        for _ in range(rng.randint(1, 3) if key.startswith("Arrow") else 1):
            target.press(key)
        return f"slider {key}"
    if kind == "combobox":
        target.click()
        options = page.get_by_role("option")
        options.first.wait_for(state="visible")
        index = rng.randrange(options.count())
        options.nth(index).click()
        page.keyboard.press("Escape")
        return f"dropdown option {index}"
    target.click()
    return kind


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.url_path for lesson in LESSONS])
def test_random_changes_then_the_share_link_opens_the_same_view(page, new_page, app_server,
                                                                lesson):
    """After seeded random changes the share box shows the address bar, and it reproduces."""
    rng = random.Random(lesson.url_path)
    open_page(page, f"{app_server.url}/{lesson.url_path}")
    done = []
    for _ in range(ACTIONS):
        done.append(random_action(page, rng))
        settle(page)
        assert page_problems(page) == [], done
    link = share_link(page)
    assert link == page.url, done
    visitor = new_page()
    open_page(visitor, link)
    assert metric_values(visitor) == metric_values(page), (done, link)
    assert page_problems(visitor) == []
