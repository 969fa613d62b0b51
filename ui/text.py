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


def inert(text: object) -> str:
    """For ``st.markdown`` and friends: every Markdown, HTML and LaTeX character escaped.

    Backslash escapes are CommonMark's, so the reader sees the text as typed; line breaks
    become spaces (a user's text can never start a list, a heading or a new paragraph).
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def plotly_inert(text: object) -> str:
    """For plotly labels (legend, axis titles, hover): HTML-escaped, so tags show as text."""
    return html.escape(" ".join(str(text).split()), quote=True)
