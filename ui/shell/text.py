"""User text made inert before it is shown: one helper per renderer (no streamlit import).

Column names, file names, typed formulas and values from a link are written by whoever sent
the file or the link. Shown through Markdown they could render links and images that the
visitor's browser then fetches; shown in a plotly legend or axis title, plotly's small HTML
subset renders ``<a href=...>`` as a live link. So every piece of user text passes through
:func:`inert` before Markdown and :func:`plotly_inert` before plotly.
"""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&^=])")
# GitHub-flavoured Markdown turns bare addresses into links even when their punctuation is
# escaped (checked in Chromium on Streamlit 1.67): "https://", "www." and "name@host".
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")
_BREAK = "\u200b"  # a zero-width space: invisible, but no address reads through it


def inert(text: object) -> str:
    """For ``st.markdown`` and friends: every Markdown, HTML and LaTeX character escaped.

    Backslash escapes are CommonMark's, so the reader sees the text as typed; line breaks
    become spaces (a user's text can never start a list, a heading or a new paragraph), and
    a zero-width space inside "://", "www." and before "@" keeps an address from turning
    into a link.
    """
    text = _AUTOLINK.sub(lambda m: m.group(0)[0] + _BREAK + m.group(0)[1:]
                         if m.group(0) != "@" else _BREAK + "@", " ".join(str(text).split()))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def plotly_inert(text: object) -> str:
    """For plotly labels (legend, axis titles, hover): HTML-escaped, so tags show as text."""
    return html.escape(" ".join(str(text).split()), quote=True)
