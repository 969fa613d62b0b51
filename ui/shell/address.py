"""The address bar, written once per run: one query-string message, one history entry.

Streamlit's frontend (1.67, ``handlePageInfoChanged``) pushes a browser-history entry for
every query-string message whose text differs from the address shown, and ``st.query_params``
sends one message per assignment or deletion. A run that changed three parameters (a new
exercise, a control that appeared, one that went away) made three entries, so Back walked
through half-made addresses. Here every change is made without a message (Streamlit's own
``set_with_no_forward_msg`` / ``discard_param_no_forward_msg``) and :func:`flush_address`,
called at the end of every run (``ui.shell.state.Link.finish`` and ``ui.shell.lessons.page_frame``), sends
the final address once. A history navigation (Back / Forward) is answered with
``replaceState`` by the frontend, so it never adds an entry.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.session_state_proxy import get_session_state

_DIRTY = "_address_changed"


def set_params(values: dict[str, list[str] | None]) -> None:
    """Change these parameters of the address (None removes one) without telling the browser
    yet: :func:`flush_address` sends the run's address once, as one history entry."""
    changed = False
    with get_session_state().query_params() as params:
        for key, value in values.items():
            if value is None:
                changed |= params.discard_param_no_forward_msg(key)
            elif params.get_all(key) != value:
                params.set_with_no_forward_msg(key, value[0] if len(value) == 1 else value)
                changed = True
    if changed:
        st.session_state[_DIRTY] = True


def replace_params(values: dict[str, list[str]]) -> None:
    """Replace the whole address's query with `values` (sent by :func:`flush_address`)."""
    with get_session_state().query_params() as params:
        for key in list(params):
            params.discard_param_no_forward_msg(key)
    set_params(dict(values))
    st.session_state[_DIRTY] = True


def flush_address() -> None:
    """Send this run's changes of the address to the browser, in one message (if any)."""
    if st.session_state.get(_DIRTY):
        st.session_state[_DIRTY] = False
        with get_session_state().query_params() as params:
            params._send_query_param_msg()


def fragment_run() -> bool:
    """True in a run of a fragment alone (its page's own end does not run then)."""
    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "fragment_ids_this_run", None))
