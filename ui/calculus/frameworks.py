"""What frameworks return at a kink, on the pages (issue 29).

:func:`frameworks_panel` is the Subgradients page's lazy expander (``on_change="rerun"``: closed,
it costs one element): the table of ``gradcore.calculus.frameworks.KINK_TABLE``, why the
frameworks differ and what this project chooses, then one row per cell with its version,
deciding source line and link. :func:`kink_pointer` is the one line the Derivatives page shows
where it names a kink that the table has.
"""

from __future__ import annotations

import streamlit as st

from gradcore.calculus.frameworks import (
    CHECKS,
    WHY_FRAMEWORKS_DIFFER,
    WHY_MIDPOINT,
    pointer,
    row_for,
    source_rows,
    table_rows,
)
from ui.shell.text import inert

PANEL_KEY = "frameworks_panel"
TITLE = "What PyTorch, JAX and TensorFlow return at a kink"


def frameworks_panel(revealed: bool = True) -> None:
    """The lazy frameworks table; while an exercise hides the page's answers, only a note."""
    box = st.expander(TITLE, icon=":material/table_chart:", key=PANEL_KEY, on_change="rerun")
    if not box.open:
        return
    with box:
        if not revealed:
            st.caption("The table shows up once the exercise above is answered: it holds the "
                       "answer.")
            return
        st.markdown(inert(WHY_FRAMEWORKS_DIFFER))
        st.dataframe(table_rows(), hide_index=True, width="stretch",
                     column_config={"At the kink": st.column_config.TextColumn(pinned=True)})
        st.caption(f"Each framework column: the value its automatic differentiation returns "
                   f"(the code it was asked about is in the second table). — means the "
                   f"framework has no such operation. * means {CHECKS['conflict']} (see the "
                   f"note in the second table).")
        st.markdown(f"**This project's choice.** {inert(WHY_MIDPOINT)}")
        st.markdown("**Where each number comes from**")
        st.dataframe(source_rows(), hide_index=True, width="stretch",
                     column_config={
                         "Framework": st.column_config.TextColumn(pinned=True),
                         "Source": st.column_config.LinkColumn(
                             "Source", display_text=r"https://github\.com/([^/]+/[^/]+)/.*")})
        st.caption("The HIPS autograd column is measured: a test runs autograd 1.9.1 on every "
                   "row. The other columns are read from the source line given, at the commit "
                   "or release named; a newer release may differ.")


def kink_pointer(catalogue_key: str, x0: float, where=None) -> bool:
    """On a page that names the kink of catalogue function `catalogue_key` at x0: one line
    saying what the frameworks return there, if the table has that kink. True if shown."""
    row = row_for(catalogue_key, x0)
    if row is None:
        return False
    (where or st).caption(inert(pointer(row)))
    return True
