"""Page state <-> URL query parameters, so a teacher's link opens exactly the view they set up.

Widgets carry their own state in the URL with ``bind="query-params"`` and an explicit ``key``
(the key is the parameter name). Streamlit silently ignores a value it cannot use; a teacher
would never learn that their link is broken. So before a page creates its widgets it checks
each parameter with a :class:`LinkCheck`: a value that cannot be used is removed from the URL
(the widget then starts from its default) and a note says what was wrong. Pages show the notes
with :func:`show_link_notes`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

import streamlit as st


def _raw(key: str) -> str | None:
    if key not in st.query_params:
        return None
    values = st.query_params.get_all(key)
    return values[-1] if values else None


class LinkCheck:
    """Validates URL parameters before the widgets bound to them are created."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def _reject(self, key: str, raw: str, expected: str, default: object) -> None:
        shown = raw if len(raw) <= 40 else raw[:37] + "..."
        self.notes.append(
            f"`{key}={shown}` in the link is not usable ({expected}); using the default "
            f"`{default}` instead."
        )
        del st.query_params[key]

    def number(
        self,
        key: str,
        default: float,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> float | int:
        """Return the parameter as a number in [low, high], or `default` with a note."""
        raw = _raw(key)
        if raw is None:
            return default
        expected = "a whole number" if integer else "a number"
        if low is not None and high is not None:
            expected += f" from {low:g} to {high:g}"
        try:
            value = float(raw)
        except ValueError:
            self._reject(key, raw, expected, default)
            return default
        bad = (
            not math.isfinite(value)
            or (integer and value != int(value))
            or (low is not None and value < low)
            or (high is not None and value > high)
        )
        if bad:
            self._reject(key, raw, expected, default)
            return default
        return int(value) if integer else value

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        """Return the parameter if it is one of `options`, else `default` with a note."""
        raw = _raw(key)
        if raw is None:
            return default
        if raw not in options:
            listed = ", ".join(map(str, options[:8])) + (", ..." if len(options) > 8 else "")
            self._reject(key, raw, f"expected one of: {listed}", default)
            return default
        return raw

    def choices(self, key: str, options: Sequence[str], default: Sequence[str]) -> list[str]:
        """Multi-valued parameter (repeated key): every value must be one of `options`."""
        if key not in st.query_params:
            return list(default)
        values = st.query_params.get_all(key)
        unknown = [v for v in values if v not in options]
        if unknown:
            self._reject(key, unknown[0], "not a column of this data", ", ".join(default))
            return list(default)
        return values

    def flag(self, key: str, default: bool) -> bool:
        """Boolean parameter written by checkboxes/toggles ("true"/"false")."""
        raw = _raw(key)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            self._reject(key, raw, "expected true or false", default)
            return default
        return lowered == "true"

    def text(self, key: str, default: str, max_length: int = 200) -> str:
        """Free text (a typed formula); its content is validated by the page's parser."""
        raw = _raw(key)
        if raw is None:
            return default
        if len(raw) > max_length:
            self._reject(key, raw, f"longer than {max_length} characters", default)
            return default
        return raw


def show_link_notes(notes: Iterable[str]) -> None:
    """Show the link problems found by a :class:`LinkCheck` (nothing when there are none)."""
    notes = list(notes)
    if notes:
        st.info("**This link had settings that could not be used.**\n\n- " + "\n- ".join(notes))


def current_link() -> str:
    """The address of the current view: page URL plus the current query parameters."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    query = urlencode(params, doseq=True)
    base = st.context.url or ""
    return f"{base}?{query}" if query else base or "?"


def share_box(extra_note: str | None = None) -> None:
    """A 'copy link to this view' box: the link, with a copy button, and how to use it."""
    with st.expander("Share this view", icon=":material/link:"):
        st.caption(
            "Everything you set on this page is in the address bar. Copy the link below "
            "(or the address bar) and paste it into your course page: it opens this exact view."
        )
        st.code(current_link(), language=None, wrap_lines=True)
        if extra_note:
            st.caption(extra_note)
