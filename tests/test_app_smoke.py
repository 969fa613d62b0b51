"""The app's pages: registered once in ui/shell/lessons.py, routed by file name, each runs cleanly."""

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.shell.lessons import CLASS_VIEW, HOME, LESSONS

ROOT = Path(__file__).parent.parent
APP = ROOT / "home.py"
PAGE_SCRIPTS = [HOME.script, *(lesson.script for lesson in LESSONS)]


def test_every_script_in_pages_is_a_lesson_and_every_lesson_a_script():
    """pages/ holds exactly the five lessons of the table and the class live view (nothing
    lost, nothing unlisted)."""
    on_disk = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
    assert on_disk == sorted([*(lesson.script for lesson in LESSONS), CLASS_VIEW.script])
    assert len(on_disk) == 6


def test_each_address_is_its_file_name():
    """Folder routing serves pages/<name>.py at /<name>: the table must say the same address."""
    for lesson in LESSONS:
        assert Path(lesson.script).stem == lesson.url_path


def test_no_page_address_ends_with_another_pages_address():
    """Streamlit 1.67's st.context.url trims the first page address the URL ends with, so
    an address such as "subgradients" next to "gradients" gave a wrong share link."""
    paths = [lesson.url_path for lesson in LESSONS]
    assert len(set(paths)) == len(paths)
    clashes = [(a, b) for a in paths for b in paths if a != b and a.endswith(b)]
    assert clashes == []


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.func.attr for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}


def test_no_script_calls_st_navigation():
    """st.navigation next to a pages/ folder changes the routing once the first session ran
    it, so a fresh server showed other pages than a warm one; folder routing has no such
    switch."""
    for script in PAGE_SCRIPTS:
        assert "navigation" not in _calls(ROOT / script), script


def test_every_page_runs_its_body_inside_the_shared_frame():
    """Each page is `with page_frame(<its own path>):` and a body (tab title, sidebar links,
    the last-resort guard): nothing but imports, constants and functions outside it."""
    for script in PAGE_SCRIPTS:
        tree = ast.parse((ROOT / script).read_text())
        frames = [node for node in tree.body if isinstance(node, ast.With)]
        assert len(frames) == 1, script
        call = frames[0].items[0].context_expr
        assert call.func.id == "page_frame" and call.args[0].value == script
        for node in tree.body:
            assert isinstance(node, ast.With | ast.Import | ast.ImportFrom | ast.Assign |
                              ast.FunctionDef | ast.Expr), (script, ast.dump(node)[:80])
            if isinstance(node, ast.Expr):
                assert isinstance(node.value, ast.Constant), (script, "a call outside the frame")


def test_every_lesson_has_a_title_an_icon_and_a_summary():
    assert all(lesson.title and lesson.icon.startswith(":material/") and lesson.line
               for lesson in LESSONS)


@pytest.mark.parametrize("page", PAGE_SCRIPTS)
def test_page_runs_without_exception(page):
    """Switching to the page and running it raises nothing and shows no error box."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    if page != HOME.script:
        at.switch_page(page)
        at.run()
    assert not at.exception, f"{page}: {at.exception}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"
    assert at.title, f"{page} shows no title"
    links = [link.proto.page for link in at.sidebar.get("page_link")]
    assert len(links) == 6, f"{page}: sidebar has {links}"
    # ui.shell.lessons.page_link links an st.Page made once per process: each link must carry
    # the address and page hash Streamlit registered for its script in this run (Home is "/").
    registered = {(info.get("url_pathname", ""), page_hash)
                  for page_hash, info in at._registered_pages.items()}
    assert {path for path, _ in registered} >= {"", *(lesson.url_path for lesson in LESSONS)}
    for link in [*at.sidebar.get("page_link"), *at.main.get("page_link")]:
        assert (link.proto.page, link.proto.page_script_hash) in registered, link.proto
