"""Tabs whose open tab is part of the view: in the address, in a share link and a lesson link.

``st.tabs(..., on_change="rerun")`` reruns the script when the student opens another tab and
tells which one is open, so a page builds only the open tab's content (each tab's ``.open``):
what the student does not look at costs neither the server nor the browser anything, on the
page's load or at each step. The open tab is a URL-bound control like the others of
:class:`ui.shell.state.Link`: a link opens the tab it names (``?tab=check``), a bad value gets
the link's note and the default tab, and a teacher's lesson link may lock it (that one tab
alone is shown, the others are not offered) or hide it (its content without a tab bar).

The address holds a short name per tab (`views` maps it to the tab's label), not the label.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ui.shell.state import Link


def link_tabs(link: Link, key: str, label: str, views: Mapping[str, str], default: str, *,
              where=None) -> tuple[str, dict]:
    """(the open view's short name, {short name: its tab container or None when not drawn}).

    `views` maps each short name (written into the address) to its tab's label, in order;
    `label` names the control for the teacher panel and the link's notes. Only the open tab's
    container is meant to be filled: the others are there to be clicked.
    """
    names = list(views)
    if default not in names:
        raise ValueError(f"default {default!r} is not one of the views")
    by_label = {views[name]: name for name in names}
    expected = "expected one of: " + ", ".join(names)

    def parse(raw: list[str]) -> str:
        if raw[-1] not in views:
            raise ValueError(expected)
        return views[raw[-1]]

    def fix(value) -> str:
        return value if value in by_label else views[default]

    def written(shown: str) -> list[str] | None:
        name = by_label.get(shown, default)
        return None if name == default else [name]

    # Session state holds the open tab's label (what st.tabs reads and writes under `key`).
    hidden, fixed = link._begin(key, label, views[default], parse, expected, fix, written, {})
    where = st if where is None else where
    if hidden or key in link.lesson.locked:
        # The lesson's view alone: under its tab when locked, without a tab bar when hidden.
        shown = fixed if hidden else st.session_state[key]
        only = where.container() if hidden else where.tabs([shown])[0]
        link._write(key, written(shown), shown)
        return by_label[shown], {name: only if views[name] == shown else None
                                 for name in names}
    containers = where.tabs([views[name] for name in names], default=views[default], key=key,
                            on_change="rerun")
    shown = st.session_state.get(key, views[default])
    name = by_label.get(shown, default)
    link._write(key, written(shown), shown)  # the label: what the link's parser gives
    return name, dict(zip(names, containers, strict=True))
