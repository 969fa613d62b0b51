"""The header menu (⋮, top right) a student sees: the light/dark switch and Print, nothing for
the developer.

``.streamlit/config.toml`` sets ``client.toolbarMode = "viewer"``. "minimal" (the old setting)
hid the whole menu, so the theme switch the README and the home page promise was not there;
"developer" (and "auto" on localhost, as here) adds Rerun, Auto rerun, Clear cache and the
Deploy button, which a student has no use for (Clear cache would empty the server's caches for
the whole class).
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import open_page, wait_ready

pytestmark = pytest.mark.e2e

THEMES = ("System", "Light", "Dark")
VIEWER_ITEMS = ("print", "recordScreencast")
DEVELOPER_ITEMS = ("rerun", "autoRerun", "clearCache")

# Relative luminance (0 black … 1 white) of the app's background colour.
BACKGROUND_LUMINANCE_JS = """() => {
    const rgb = getComputedStyle(document.querySelector("[data-testid='stApp']"))
        .backgroundColor.match(/[0-9.]+/g).slice(0, 3).map(Number);
    const lin = rgb.map(c => { c /= 255; return c <= 0.03928 ? c / 12.92
                                                : Math.pow((c + 0.055) / 1.055, 2.4); });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}"""


def open_menu(page):
    page.get_by_test_id("stMainMenu").get_by_role("button").click()
    menu = page.get_by_test_id("stMainMenuList")
    expect(menu).to_be_visible()
    return menu


def test_menu_offers_the_theme_switch_and_print_but_no_developer_items(page, app_server):
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/derivatives")
    expect(page.get_by_test_id("stMainMenu")).to_be_visible()
    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)

    menu = open_menu(page)
    expect(menu.get_by_test_id("stThemeSwitcher")).to_be_visible()
    for theme in THEMES:
        expect(menu.get_by_test_id(f"stMainMenuItem-theme-{theme}")).to_be_visible()
    for item in VIEWER_ITEMS:
        expect(menu.get_by_test_id(f"stMainMenuItem-{item}")).to_be_visible()
    for item in DEVELOPER_ITEMS:
        expect(menu.get_by_test_id(f"stMainMenuItem-{item}")).to_have_count(0)
    expect(menu).not_to_contain_text("Clear cache")
    expect(menu).not_to_contain_text("Rerun")
    expect(menu).not_to_contain_text("Settings")


def test_dark_theme_chosen_in_the_menu_applies_and_stays_on_the_next_lesson(page, app_server):
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/derivatives")
    assert page.evaluate(BACKGROUND_LUMINANCE_JS) > 0.8

    open_menu(page).get_by_test_id("stMainMenuItem-theme-Dark").click()
    page.wait_for_function(f"() => ({BACKGROUND_LUMINANCE_JS})() < 0.1")

    page.get_by_test_id("stSidebar").get_by_role("link", name="Gradients", exact=True).click()
    expect(page.get_by_role("heading", name="Gradients", level=1)).to_be_visible()
    wait_ready(page)
    assert page.evaluate(BACKGROUND_LUMINANCE_JS) < 0.1

    open_menu(page).get_by_test_id("stMainMenuItem-theme-Light").click()
    page.wait_for_function(f"() => ({BACKGROUND_LUMINANCE_JS})() > 0.8")


def test_developer_shortcuts_do_nothing(page, app_server):
    """Streamlit's developer keys (C: clear cache, R: rerun) open no dialog for a viewer."""
    open_page(page, f"{app_server.url}/derivatives")
    page.get_by_role("heading", name="Derivatives", level=1).click()
    page.keyboard.press("c")
    page.wait_for_timeout(500)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_text("Clear caches")).to_have_count(0)
