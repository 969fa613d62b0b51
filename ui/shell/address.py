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

A fragment's run (a step of the regression stepper, one of its tabs) starts from the query
string the browser sent with the click, which may predate the last run's address: a student
who types a new degree and clicks a tab at once sends the click before the browser has the
address the degree's run sent. The fragment then wrote only its own parameters over that older
copy, and the address said deg=6 beside a degree-9 curve. So every run's address is kept
(``_SENT``) with the changes made since (``_EDITS``), and a fragment's run writes the kept
address plus the changes, never the browser's older copy.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.session_state_proxy import get_session_state

_DIRTY = "_address_changed"
_SENT = "_address_sent"  # the address as the last finished run left it: {key: [values]}
_EDITS = "_address_edits"  # changes made since then: {key: [values] or None (removed)}


def _write(params, values: dict[str, list[str] | None]) -> bool:
    """Apply `values` to `params` without a message; True when anything changed."""
    changed = False
    for key, value in values.items():
        if value is None:
            changed |= params.discard_param_no_forward_msg(key)
        elif params.get_all(key) != value:
            params.set_with_no_forward_msg(key, value[0] if len(value) == 1 else value)
            changed = True
    return changed


def _rebase(params) -> bool:
    """In a fragment's run: make `params` the last run's address plus the changes made since
    (not the browser's copy, which may be older); True when that changed anything."""
    state = st.session_state
    sent = state.get(_SENT)
    if sent is None or not fragment_run():
        return False
    target = dict(sent)
    for key, value in state.get(_EDITS, {}).items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    stale = {key: None for key in params if key not in target}
    return _write(params, {**stale, **target})


def set_params(values: dict[str, list[str] | None]) -> None:
    """Change these parameters of the address (None removes one) without telling the browser
    yet: :func:`flush_address` sends the run's address once, as one history entry."""
    st.session_state.setdefault(_EDITS, {}).update(
        {key: None if value is None else list(value) for key, value in values.items()})
    with get_session_state().query_params() as params:
        changed = _rebase(params) | _write(params, values)
    if changed:
        st.session_state[_DIRTY] = True


def replace_params(values: dict[str, list[str]]) -> None:
    """Replace the whole address's query with `values` (sent by :func:`flush_address`)."""
    with get_session_state().query_params() as params:
        gone = {key: None for key in params if key not in values}
    set_params({**gone, **{key: list(value) for key, value in values.items()}})
    st.session_state[_DIRTY] = True


def flush_address() -> None:
    """Send this run's changes of the address to the browser, in one message (if any), and
    keep the address for the next fragment's run."""
    state = st.session_state
    with get_session_state().query_params() as params:
        if _rebase(params):
            state[_DIRTY] = True
        if state.get(_DIRTY):
            state[_DIRTY] = False
            params._send_query_param_msg()
        state[_SENT] = {key: params.get_all(key) for key in params}
    state[_EDITS] = {}


def fragment_run() -> bool:
    """True in a run of a fragment alone (its page's own end does not run then)."""
    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "fragment_ids_this_run", None))
