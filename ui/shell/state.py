"""Page state <-> URL query parameters, so a teacher's link opens exactly the view they set up.

One helper call per URL-bound widget (:class:`Link`): it checks the value the address holds,
puts the value the widget must show into ``st.session_state`` *before* the widget exists, creates
the widget, and writes its value back to the address (removed when it is the default, so links
stay short). Key, default and range are declared once, in that call.

Why not Streamlit's ``bind="query-params"``: a bound key cannot be deleted or set by the app
(``StreamlitAPIException``), a bound widget seeds itself from the session's first address even
after the app has rejected the value (an integer ``number_input`` seeded with ``inf`` raised
``OverflowError`` inside Streamlit), and a ``format_func`` would put display labels into the
address. Here nothing is bound, so the app decides every value:

- a widget's first appearance in the session (or a browser back/forward, which is a history
  navigation) takes the value in the address if it is usable, else the default and a note
  (shown by :meth:`Link.finish` where the Link was made) that says what was wrong;
- later runs keep the widget's own state, corrected silently when it has become stale (a step
  beyond a shortened run, a column not in the new table, an axis not in the new function);
- each value is written to the address only when it changed, and all of a run's changes go to
  the browser as one message at the end of the run (:func:`flush_address`): Streamlit's
  frontend pushes one history entry per query-string message, so one click or one slider
  release is at most one entry in the browser's history, and Back / Forward step between
  views; ``AppTest`` sees the address exactly as a browser does.

A teacher's lesson link (``ui.shell.teacher``) may hide or lock controls: with a signed lesson their
values come from the signed part on every run and stay out of the readable address.

:meth:`Link.finish` (called by :func:`share_box`) removes the parameters of this page's widgets
that were not drawn in this run, so the address never carries a hidden widget's old value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gradcore.number_text import address
from ui.shell import teacher
from ui.shell.address import flush_address, fragment_run, set_params
from ui.shell.text import inert

__all__ = ["Link", "current_link", "flush_address", "forget", "inert", "set_params",
           "share_box"]

_KEYS = "_link_keys"
CURRENT_LINK = "_link_now"
_SHOWN_CHARS = 40
SHARE_PANEL = "share_panel"
"""Key of the lazy "Share this view" box (``st.session_state[SHARE_PANEL]``: open or not)."""


def _shown(raw: str) -> str:
    text = raw if len(raw) <= _SHOWN_CHARS else raw[:_SHOWN_CHARS - 3] + "..."
    return inert(text)


def _history_navigation() -> bool:
    """True when the browser's back/forward button started this run (the address wins then)."""
    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "is_history_navigation", False))


LOCKED_HELP = "Set by your teacher's lesson link: it cannot be changed here."


def _lock(kwargs: dict) -> None:
    """A control a lesson link locked: disabled, and its help says why."""
    kwargs["disabled"] = True
    given = kwargs.get("help")
    kwargs["help"] = f"{given}\n\n{LOCKED_HELP}" if given else LOCKED_HELP



class Link:
    """The URL-bound widgets of one page: each method validates, creates and writes back.

    `page` names the page (its url path); it scopes :meth:`finish`. Every method takes the
    widget's `key` (also the URL parameter), its `label`, its default, its range or options,
    `where` (a container or column; default the main area) and any further keyword arguments
    of the Streamlit widget (``help``, ``disabled``, ``format_func``...).
    """

    def __init__(self, page: str) -> None:
        self.page = page
        self.notes: list[str] = []
        self.drawn: set[str] = set()
        self.history = _history_navigation()
        # A teacher's lesson link may hide or lock some of this page's controls (ui/shell/teacher.py).
        self.lesson = teacher.lesson_settings(page)
        self.labels: dict[str, str] = {}
        # Each control's value this run, its default, how a link value is read and shown: for
        # the teacher panel's view and the exercise panel's check of its set-up.
        self.current: dict[str, Any] = {}
        self.written: dict[str, list[str] | None] = {}
        self.defaults: dict[str, Any] = {}
        self.parsers: dict[str, Callable[[list[str]], Any]] = {}
        self.formats: dict[str, Callable[[Any], str]] = {}
        teacher.header(self.lesson)
        st.session_state[CURRENT_LINK] = self
        # The notes go here, where the Link was made (near the top of the page), but are
        # written by finish(), once every widget has had its say.
        self._box = st.container()
        self._notes_shown = False
        self._folded = False

    # -- the shared mechanism ----------------------------------------------------------------

    def _prepare(self, key: str, default: Any, parse: Callable[[list[str]], Any],
                 expected: str, fix: Callable[[Any], Any] | None = None) -> None:
        """Before the widget exists: put the value it must show into session state.

        `parse` turns the address's values for `key` into a value, or raises ValueError;
        `fix` maps a kept state value to a usable one (same value when it still is).
        """
        state = st.session_state
        raw = st.query_params.get_all(key)
        if key not in state or self.history:
            if raw:
                try:
                    state[key] = parse(raw)
                    return
                except ValueError as problem:
                    if not self.history:
                        self._note(key, raw[-1], str(problem) or expected, default)
                    state[key] = default
                    return
            if self.history:
                state[key] = default
            return
        if fix is not None:
            current = state[key]
            fixed = fix(current)
            if fixed != current:
                state[key] = fixed

    def _controlled(self, key: str, label: str, default: Any,
                    parse: Callable[[list[str]], Any], expected: str) -> tuple[str, Any]:
        """("hidden" | "locked" | "", value) for a control a teacher's link hid or locked.

        A hidden or locked control takes its value from the address on every run, checked by
        `parse` like any link value (out of range or malformed: the default and a note), so
        neither the student nor a hand-edited address can set it to anything the control
        itself would not allow. The value is put into session state for code that reads it.
        """
        self.labels[key] = label
        self.defaults[key], self.parsers[key] = default, parse
        mode = ("hidden" if key in self.lesson.hidden else
                "locked" if key in self.lesson.locked else "")
        if not mode:
            return "", None
        if self.lesson.signed:
            raw = list(self.lesson.values.get(key, ()))
        else:
            raw = st.query_params.get_all(key)
        value = default
        if raw:
            try:
                value = parse(raw)
            except ValueError as problem:
                self._note(key, raw[-1], str(problem) or expected, default)
        st.session_state[key] = value
        return mode, value

    def _begin(self, key: str, label: str, default: Any, parse: Callable[[list[str]], Any],
               expected: str, fix: Callable[[Any], Any] | None,
               written: Callable[[Any], list[str] | None], kwargs: dict) -> tuple[bool, Any]:
        """Before a widget: (True, value) for a control the lesson link hides or one made in a
        closed :meth:`folded` block (written to the address, no widget to draw); else (False,
        None) with the widget's state prepared and, for a locked control, `kwargs` made to
        disable it."""
        mode, fixed = self._controlled(key, label, default, parse, expected)
        if mode == "hidden" or (mode == "locked" and self._folded):
            self._write(key, written(fixed), fixed)
            return True, fixed
        if self._folded:
            self._prepare(key, default, parse, expected, fix)
            value = st.session_state[key] if key in st.session_state else default
            st.session_state[key] = value  # kept while its widget is not drawn
            self._write(key, written(value), value)
            return True, value
        if mode == "locked":
            _lock(kwargs)
        else:
            self._prepare(key, default, parse, expected, fix)
        return False, None

    @property
    def drawing(self) -> bool:
        """False inside a closed :meth:`folded` block (its controls draw nothing)."""
        return not self._folded

    @contextmanager
    def folded(self, closed: bool) -> Iterator[None]:
        """Controls made in this block while `closed` (a lazy box the student has not opened)
        are not drawn: each keeps its value (the session's, else the address's, else its
        default), which stays in the address as if it were drawn, and the page reads it as
        usual. Opened, they are drawn as they would be anywhere else."""
        before, self._folded = self._folded, closed
        try:
            yield
        finally:
            self._folded = before

    def _note(self, key: str, raw: str, expected: str, default: Any) -> None:
        shown_default = ", ".join(map(str, default)) if isinstance(default, list) else default
        self.notes.append(
            f"{inert(key)}={_shown(raw)} in the link is not usable ({inert(expected)}); using "
            f"the default {inert(shown_default) or 'none'} instead."
        )

    def _write(self, key: str, values: list[str] | None, value: Any) -> None:
        """After the widget: its value into the address (None removes the parameter).

        A signed lesson's hidden or locked control stays out of the address: its value is in
        the signed part, and an edited copy in the address would only mislead."""
        self.drawn.add(key)
        self.current[key], self.written[key] = value, values
        keys = st.session_state.setdefault(_KEYS, {}).setdefault(self.page, set())
        keys.add(key)
        if self.lesson.signed and key in self.lesson.fixed:
            values = None
        set_params({key: values})

    def keep(self, *keys: str) -> None:
        """Controls this run does not make (an open exercise hides them until it is answered)
        keep their values in the address as they are, instead of being dropped at the end of
        the run: an exercise's link can open its answer's view (``tab=gradient``) once the
        student has answered. Their values are read, and checked, when they are drawn again."""
        self.drawn.update(keys)

    def view(self) -> dict[str, list[str]]:
        """The values of this run's controls that differ from their defaults, by URL key (what
        the address of this view holds, hidden and locked controls included)."""
        return {key: values for key, values in self.written.items() if values is not None}

    # -- one method per widget kind --------------------------------------------------------

    def number(self, key: str, label: str, low: float, high: float, default: float, *,
               step: float | None = None, integer: bool = False, slider: bool = False,
               where=None, **kwargs) -> float | int:
        """A number in [low, high]: ``st.slider`` if `slider`, else ``st.number_input``."""
        cast = int if integer else float
        low, high, default = cast(low), cast(high), cast(default)
        kind = "a whole number" if integer else "a number"
        expected = f"{kind} from {address(low, integer)} to {address(high, integer)}"

        def parse(raw: list[str]) -> float | int:
            try:
                value = float(raw[-1])
            except ValueError:
                raise ValueError(expected) from None
            if not math.isfinite(value) or not low <= value <= high:
                raise ValueError(expected)
            if integer and value != int(value):
                raise ValueError(expected)
            return cast(value)

        def fix(value: Any) -> float | int:
            try:
                value = cast(value)
            except (TypeError, ValueError, OverflowError):
                return default
            return min(max(value, low), high) if math.isfinite(value) else default

        def written(v: float | int) -> list[str] | None:
            return None if v == default else [address(v, integer)]

        hidden, fixed = self._begin(key, label, default, parse, expected, fix, written, kwargs)
        if hidden:
            return fixed
        where = st if where is None else where
        if step is not None:
            kwargs["step"] = cast(step)
        if slider:
            value = where.slider(label, low, high, default, key=key, **kwargs)
        else:
            value = where.number_input(label, low, high, default, key=key, **kwargs)
        value = cast(value)
        self._write(key, written(value), value)
        return value

    def choice(self, key: str, label: str, options: Sequence[str], default: str, *,
               widget: str = "selectbox", where=None, fallback: str | None = None,
               **kwargs) -> str:
        """One of `options` (strings, written as they are into the address).

        `widget` is "selectbox", "radio", "select_slider", "pills" or "segmented_control".
        A kept value that is no longer an option becomes `fallback` (default: `default`).
        """
        options = list(options)
        if default not in options:
            raise ValueError(f"default {default!r} is not one of the options")
        listed = ", ".join(options[:8]) + (", ..." if len(options) > 8 else "")

        def parse(raw: list[str]) -> str:
            if raw[-1] not in options:
                raise ValueError(f"expected one of: {listed}")
            return raw[-1]

        def fix(value: Any) -> str:
            if value in options:
                return value
            return fallback if fallback in options else default

        def written(v: str) -> list[str] | None:
            return None if v == default else [str(v)]

        if "format_func" in kwargs:
            self.formats[key] = kwargs["format_func"]
        hidden, fixed = self._begin(key, label, default, parse, f"expected one of: {listed}",
                                    fix, written, kwargs)
        if hidden:
            return fixed
        where = st if where is None else where
        if widget == "select_slider":
            value = where.select_slider(label, options, value=default, key=key, **kwargs)
        elif widget == "radio":
            value = where.radio(label, options, index=options.index(default), key=key, **kwargs)
        else:
            value = getattr(where, widget)(label, options, index=options.index(default),
                                           key=key, **kwargs)
        self._write(key, written(value), value)
        return value

    def choices(self, key: str, label: str, options: Sequence[str], default: Sequence[str], *,
                where=None, **kwargs) -> list[str]:
        """Several of `options` (``st.multiselect``; a repeated parameter in the address).

        Unknown values in a link are left out with a note; kept values that stopped being
        options (a new table) are dropped silently, and if none is left the default is used.
        """
        most = kwargs.get("max_selections") or len(options) or 1
        options, default = list(options), [d for d in default if d in options][:most]

        def parse(raw: list[str]) -> list[str]:
            if raw == [""]:
                return []
            known = [value for value in dict.fromkeys(raw) if value in options]
            unknown = [value for value in raw if value not in options]
            if unknown and not self.history:
                self.notes.append(
                    f"{inert(key)}={_shown(unknown[0])} in the link is not one of the choices "
                    "here; " + (f"left out, using {inert(', '.join(known[:most]))}." if known else
                                f"using the default {inert(', '.join(default)) or 'none'}."))
            if len(known) > most and not self.history:
                self.notes.append(f"{inert(key)} in the link names {len(known)} choices; at most "
                                  f"{most} can be chosen, so the first {most} are used.")
            if not known and unknown:
                return list(default)
            return known[:most]

        def fix(value: Any) -> list[str]:
            kept = [v for v in (value or []) if v in options][:most]
            if value and not kept:
                return list(default)
            return kept

        def written(v: list[str]) -> list[str] | None:
            return None if v == default else (v or [""])

        hidden, fixed = self._begin(key, label, list(default), parse,
                                    "not one of the choices here", fix, written, kwargs)
        if hidden:
            return list(fixed)
        where = st if where is None else where
        value = list(where.multiselect(label, options, default=default, key=key, **kwargs))
        self._write(key, written(value), value)
        return value

    def flag(self, key: str, label: str, default: bool, *, toggle: bool = False, where=None,
             **kwargs) -> bool:
        """A checkbox (or ``st.toggle``); written as true/false."""
        def parse(raw: list[str]) -> bool:
            if raw[-1].lower() not in ("true", "false"):
                raise ValueError("expected true or false")
            return raw[-1].lower() == "true"

        def written(v: bool) -> list[str] | None:
            return None if v == default else [str(v).lower()]

        hidden, fixed = self._begin(key, label, default, parse, "expected true or false",
                                    bool, written, kwargs)
        if hidden:
            return fixed
        where = st if where is None else where
        widget = where.toggle if toggle else where.checkbox
        value = bool(widget(label, value=default, key=key, **kwargs))
        self._write(key, written(value), value)
        return value

    def text(self, key: str, label: str, default: str, *, max_chars: int = 200, where=None,
             **kwargs) -> str:
        """Free text (a typed formula); its content is checked by the page's parser."""
        expected = f"longer than {max_chars} characters"

        def parse(raw: list[str]) -> str:
            if len(raw[-1]) > max_chars:
                raise ValueError(expected)
            return raw[-1]

        def written(v: str) -> list[str] | None:
            return None if v == default else [v]

        hidden, fixed = self._begin(
            key, label, default, parse, expected,
            lambda value: value if isinstance(value, str) else default, written, kwargs)
        if hidden:
            return fixed
        where = st if where is None else where
        value = where.text_input(label, value=default, key=key, max_chars=max_chars, **kwargs)
        self._write(key, written(value), value)
        return value

    # -- the end of a run --------------------------------------------------------------------

    def _show_notes(self) -> None:
        """Say which settings of the link could not be used (nothing when all were fine)."""
        if self.notes and not self._notes_shown:
            self._box.info("**This link had settings that could not be used.**\n\n- "
                           + "\n- ".join(self.notes))
        # Once per page run: a fragment's own rerun may not write outside the fragment.
        self._notes_shown = True

    def finish(self) -> None:
        """Show the notes; remove the parameters of this page's widgets not drawn this run;
        send the run's address to the browser (one history entry)."""
        unknown = sorted(self.lesson.fixed - self.drawn)
        if unknown and not self.history and not self._notes_shown:
            self.notes.append(
                "The lesson link hides or locks controls this view does not show "
                f"({inert(', '.join(unknown)[:_SHOWN_CHARS])}); they are left as they are.")
        self._show_notes()
        keys = st.session_state.setdefault(_KEYS, {}).setdefault(self.page, set())
        set_params({key: None for key in sorted(keys - self.drawn)})
        keys &= self.drawn
        if fragment_run():  # a full run sends its address at the page's end (ui.shell.lessons)
            flush_address()


def forget(page: str) -> None:
    """Drop the kept values of `page`'s URL-bound widgets, so that their next appearance reads
    the address as a fresh visit does (an exercise's link opened from within the page)."""
    for key in st.session_state.get(_KEYS, {}).get(page, set()):
        if key in st.session_state:
            del st.session_state[key]


def current_link() -> str:
    """The address of the current view: page URL plus the current query parameters."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    query = urlencode(params, doseq=True)
    base = st.context.url or ""
    return f"{base}?{query}" if query else base or "?"


def share_box(link: Link | None = None, extra_note: str | None = None) -> None:
    """A 'copy link to this view' box; first ends `link`'s run so the address is final."""
    if link is not None:
        link.finish()
    # Lazy (``on_change="rerun"``): the box's content is made only while it is open, so a
    # student's every click does not pay for it (benchmarks/bench_interactions.py).
    box = st.expander("Share this view", icon=":material/link:", key=SHARE_PANEL,
                      on_change="rerun")
    if box.open:
        with box:
            st.caption("Everything you set on this page is in the address bar. Copy the link "
                       "below (or the address bar) and paste it into your course page: it opens "
                       "this exact view.")
            st.code(current_link(), language=None, wrap_lines=True)
            if extra_note:
                st.caption(extra_note)
    if link is not None:
        from ui.shell.teacher_panel import panel  # it reads the exercises of the page
        panel(link)
