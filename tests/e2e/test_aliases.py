"""Other names for the lesson pages redirect to them on a real server (issue 26 item 12):
/subgradients?fn=relu lands on /subgradient?fn=relu. HTTP only, no browser needed."""

import urllib.error
import urllib.request

import pytest

from tests.e2e.browser import start_app_server, stop_process_group
from ui.shell.aliases import ALIASES
from ui.shell.lessons import BY_PATH

pytestmark = pytest.mark.e2e
TIMEOUT_S = 30


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # let the 307 surface as an HTTPError, to read its Location


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = start_app_server(tmp_path_factory.mktemp("aliases") / "server.log")
    yield started
    stop_process_group(started.process)


def _first_answer(url: str) -> tuple[int, str]:
    """(status, Location) of the server's first answer to GET `url`, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=TIMEOUT_S) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as redirected:
        return redirected.code, redirected.headers.get("Location", "")


def test_every_alias_names_a_lesson():
    """Each alias points at a page that exists."""
    assert set(ALIASES.values()) <= set(BY_PATH)
    assert not set(ALIASES) & set(BY_PATH)


def test_subgradients_lands_on_the_subgradient_page_with_its_query(server):
    """/subgradients?fn=relu answers 307 to /subgradient?fn=relu, and following it lands there
    with the page's HTML."""
    assert _first_answer(f"{server.url}/subgradients?fn=relu&x0=0") == (
        307, "/subgradient?fn=relu&x0=0")
    with urllib.request.urlopen(f"{server.url}/subgradients?fn=relu",
                                timeout=TIMEOUT_S) as answer:
        assert answer.status == 200
        assert answer.url == f"{server.url}/subgradient?fn=relu"
        assert b"<html" in answer.read().lower()


@pytest.mark.parametrize(("alias", "page"), [
    ("gradient", "/gradients"), ("derivative", "/derivatives"),
    ("chainrule", "/chain-rule"), ("regression", "/linear-regression"),
    ("subgradients/", "/subgradient"),
])
def test_other_aliases_redirect(server, alias, page):
    """/gradient, /derivative, /chainrule, /regression and a trailing slash redirect too."""
    assert _first_answer(f"{server.url}/{alias}") == (307, page)


def test_a_page_and_an_unknown_path_are_not_redirected(server):
    """The pages' own addresses answer as before (200, no redirect)."""
    assert _first_answer(f"{server.url}/subgradient?fn=relu")[0] == 200
    assert _first_answer(f"{server.url}/derivatives")[0] == 200
