"""Every page registered in app.py runs under AppTest without an exception."""

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).parent.parent / "app.py"


def registered_pages() -> list[str]:
    """The script paths of the st.Page(...) entries in app.py, read from its syntax tree."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    paths = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "Page" and node.args
                and isinstance(node.args[0], ast.Constant)):
            paths.append(node.args[0].value)
    return paths


def test_app_registers_every_page_in_the_pages_folder():
    """app.py lists home, the four calculus pages and linear regression (nothing is lost)."""
    pages = registered_pages()
    for required in ["pages/home.py", "pages/derivatives.py", "pages/gradients.py",
                     "pages/subgradients.py", "pages/chain_rule.py",
                     "pages/linear_regression.py"]:
        assert required in pages
    assert sorted(pages) == sorted(f"pages/{p.name}" for p in (APP.parent / "pages").glob("*.py"))


@pytest.mark.parametrize("page", registered_pages())
def test_page_runs_without_exception(page):
    """Switching to the page and running it raises nothing and shows no error box."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, f"{page}: {at.exception}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"
    assert at.title, f"{page} shows no title"
