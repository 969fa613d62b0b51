"""The user-text helpers: whatever a file, a link or a formula holds is shown as text."""

import re

import pytest

from tests.page_helpers import shown
from ui.shell.text import inert, plotly_inert

PAYLOADS = [
    "![q](https://example.com/q.png)",
    "`![q](https://example.com/q.png)`",
    "[Sign in again](https://example.com/login)",
    "<img src=https://example.com/x.png onerror=alert(1)>",
    "<a href='https://example.com'>click</a>",
    "$\\href{https://example.com}{x}$",
    "**bold** _it_ ~~gone~~ # heading",
    ":red[alarm] :material/home:",
    "line one\n\n- a list item",
    "&lt;script&gt;",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_inert_escapes_every_markdown_and_html_character_and_keeps_the_text(payload):
    """No unescaped Markdown/HTML/LaTeX character is left, and the reader sees the text."""
    made = inert(payload)
    assert re.search(r"(?<!\\)[`*_\[\]()<>$!:&~#|]", made) is None, made
    assert shown(made) == " ".join(payload.split())
    assert "\n" not in made


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plotly_inert_leaves_no_tag(payload):
    """plotly's HTML subset gets no '<': a tag shows as text."""
    made = plotly_inert(payload)
    assert "<" not in made and ">" not in made


def test_the_escape_check_itself_catches_raw_markdown():
    """The pattern of the first test flags an unescaped link (so it can fail)."""
    assert re.search(r"(?<!\\)[`*_\[\]()<>$!:&~#|]", "[x](https://example.com)")


@pytest.mark.parametrize("address", ["https://evil.example/x.png", "www.evil.example",
                                     "someone@evil.example", "HTTP://EVIL.EXAMPLE"])
def test_inert_breaks_bare_addresses_that_markdown_would_turn_into_links(address):
    """GFM links a bare address even with escaped punctuation; a zero-width space stops it."""
    made = inert(f"see {address} now")
    assert re.search(r"(://|www\.|\w@)", made.replace("\\", "")) is None
    assert shown(made) == f"see {address} now"
