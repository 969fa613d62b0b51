"""Every page registered in app.py runs under AppTest without an exception."""

import runpy
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui.lessons import LESSONS

APP = Path(__file__).parent.parent / "app.py"


def registered_pages(monkeypatch=None) -> list[dict]:
    """The st.Page(...) entries app.py builds, recorded by running app.py with stand-ins."""
    recorded: list[dict] = []

    class Navigation:
        def run(self):
            return None

    patch = pytest.MonkeyPatch() if monkeypatch is None else monkeypatch
    try:
        patch.setattr(st, "Page", lambda page, **kw: recorded.append({"page": page, **kw}))
        patch.setattr(st, "navigation", lambda pages, **kw: Navigation())
        patch.setattr(st, "set_page_config", lambda **kw: None)
        runpy.run_path(str(APP))
    finally:
        if monkeypatch is None:
            patch.undo()
    return recorded


def test_app_registers_every_script_in_the_lessons_folder():
    """app.py lists home, the four calculus pages and linear regression (nothing is lost)."""
    pages = [entry["page"] for entry in registered_pages()]
    for required in ["lessons/home.py", "lessons/derivatives.py", "lessons/gradients.py",
                     "lessons/subgradients.py", "lessons/chain_rule.py",
                     "lessons/linear_regression.py"]:
        assert required in pages
    on_disk = sorted(f"lessons/{p.name}" for p in (APP.parent / "lessons").glob("*.py"))
    assert sorted(pages) == on_disk


def test_every_page_has_a_title_an_icon_and_one_default():
    entries = registered_pages()
    assert all(entry["title"] and entry["icon"].startswith(":material/") for entry in entries)
    assert [entry["page"] for entry in entries if entry.get("default")] == ["lessons/home.py"]


def test_no_page_address_ends_with_another_pages_address():
    """Streamlit 1.67's st.context.url trims the first page address the URL ends with, so
    an address such as "subgradients" next to "gradients" gave a wrong share link."""
    paths = [entry["url_path"] for entry in registered_pages()]
    assert len(set(paths)) == len(paths)
    clashes = [(a, b) for a in paths for b in paths if a != b and a.endswith(b)]
    assert clashes == []


def test_home_lists_every_lesson_once():
    assert [lesson.script for lesson in LESSONS] == [
        entry["page"] for entry in registered_pages() if entry["page"] != "lessons/home.py"]


@pytest.mark.parametrize("page", [entry["page"] for entry in registered_pages()])
def test_page_runs_without_exception(page):
    """Switching to the page and running it raises nothing and shows no error box."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, f"{page}: {at.exception}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"
    assert at.title, f"{page} shows no title"


def test_no_legacy_pages_folder_next_to_app():
    """A ``pages/`` folder would switch a fresh server to Streamlit's folder navigation."""
    assert not (APP.parent / "pages").exists()
