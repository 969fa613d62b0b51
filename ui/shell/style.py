"""The app's few CSS rules, each for a reader: contrast, keyboard use and headings.

Injected once per run by ``ui.shell.lessons.page_frame`` with ``st.html`` (a style-only block takes
no space on the page). Each rule fixes what axe-core (tests/e2e/test_accessibility.py) found
in Streamlit's defaults:

- captions: Streamlit draws them at 60 % opacity, 3.9:1 against white, below the 4.5:1 that
  small text needs; at 80 % they reach about 7:1 on white and stay readable on the dark theme;
- display formulas: KaTeX's aligned and gathered blocks overflow their box by 2 px, which makes
  the box a scrollable region that a keyboard cannot reach; a little padding gives them room;
- the header menu's "Made with Streamlit" line: also at 60 % opacity (3.9:1), raised like the
  captions (tests/e2e/test_accessibility.py scans the menu open, in both themes);
- section headings are h2 (``st.header``, after the page's h1 title, so no level is skipped),
  drawn at the size of Streamlit's subheader so the page keeps its look;
- on a phone (narrower than ``PHONE_MAX_PX``) plotly's tool bar is hidden: it sat on top of the
  legends ("tangent", "secant") and the regression chart's Play / Pause, and a phone zooms with
  two fingers anyway.
"""

from __future__ import annotations

import streamlit as st

CAPTION_OPACITY = 0.8
PHONE_MAX_PX = 640

CSS = f"""
<style>
[data-testid="stCaptionContainer"] {{ opacity: {CAPTION_OPACITY}; }}
[data-testid="stMainMenuPopover"] span:not([data-testid]) {{ opacity: {CAPTION_OPACITY}; }}
.katex-display {{ padding: 0 4px; }}
[data-testid="stMainBlockContainer"] h2 {{ font-size: 1.5rem; padding-top: 0.75rem; }}
@media (max-width: {PHONE_MAX_PX}px) {{ .js-plotly-plot .modebar-container {{ display: none; }} }}
</style>
"""


def apply() -> None:
    """The style rules, for this run's page."""
    st.html(CSS)


def metric_row(metrics, where=st) -> None:
    """`metrics` side by side in `where` (``st`` or a container): each ``(label, value)`` or
    ``(label, value, help)``, as wide as its text, in one horizontal container that wraps onto
    the next line where the page is too narrow.

    ``st.columns(n)`` sends n + 1 blocks at every rerun; this sends one. Measured on a bare page
    (rows of 3 metrics, 400 reruns each): 0.82 ms of server CPU per row in columns, 0.60 ms in
    one container. On a phone the columns stacked every metric on its own line; the row keeps
    two or three to a line."""
    row = where.container(horizontal=True, gap="medium")
    for label, value, *rest in metrics:
        row.metric(label, value, help=rest[0] if rest else None, width="content")
