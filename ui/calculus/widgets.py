"""Streamlit widgets shared by the calculus pages: header, function picker, check panel.

One layout on every page: :func:`page_header` (the article's idea and its formula), the
controls, the plots, then :func:`check_panel` (analytic against an independent computation).
Numbers are shown with :func:`fmt` (4 significant digits) so tests can assert on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gradcore import Expression, ExpressionError, parse_expression
from gradcore.calculus.functions import CATALOGUE, TYPED, display_name
from gradcore.calculus.subgradients import supporting
from gradcore.expressions import worker
from gradcore.expressions.kinks import partial_kinks
from gradcore.number_text import fmt, fmt_vector
from ui.charts.cache import cached
from ui.shell.state import Link, inert
from ui.shell.style import metric_row

SUPPORT_TEST_SLOPES = np.round(np.arange(-300, 301) / 100, 2)
"""The slopes −3 … 3 (steps of 0.01) that :func:`supporting_slopes` tests."""


def page_header(title: str, idea: str, formula: str) -> None:
    """Title, one or two sentences of the article's idea, and its formula in LaTeX."""
    st.title(title)
    st.markdown(idea)
    st.latex(formula)


_LONE_X = re.compile(r"(?<![A-Za-z])x(?![A-Za-z])")


def catalogue_label(name: str, variable: str = "x") -> str:
    """How a catalogue entry (or the typed option) reads in the function box, written in
    `variable` (the chain rule's outer f is a function of u): "ReLU(u) = max(u, 0)"."""
    label = display_name(name)
    if variable == "x":
        return label
    return _LONE_X.sub(variable, label).replace("ˣ", {"u": "ᵘ"}.get(variable, variable))


def interval_text(lo: float, hi: float) -> str:
    """∂f(x₀) as a student writes it: "[-1, 1]" at a kink, "{2}" where f is smooth."""
    return f"[{fmt(lo)}, {fmt(hi)}]" if hi > lo else f"{{{fmt(lo)}}}"


def asking_session() -> tuple[str | None, Callable[[], bool]]:
    """(this Streamlit session's id, still_wanted) for gradcore's formula line: the session
    is the ``owner`` of the formulas it asks for, and ``still_wanted()`` turns false once the
    run that asked is superseded (new input reran the page) or stopped (the tab closed), so a
    formula nobody waits for any more is taken out of line. (None, always) outside a run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None, lambda: True
    requests = ctx.script_requests

    def still_wanted() -> bool:
        state = getattr(requests, "_state", None)  # Streamlit's ScriptRequests, read-only
        return state is None or getattr(state, "name", "CONTINUE") == "CONTINUE"

    return ctx.session_id, still_wanted


worker.identify_callers(asking_session)


@st.cache_resource(max_entries=256, show_spinner=False)
def parse_cached(text: str, variables: tuple[str, ...] | None = None,
                 _owner: str | None = None) -> Expression:
    """``parse_expression`` with its compiled functions kept across reruns (bounded cache);
    ``_owner`` (not part of the cache key) is the session that asks, for the fair line."""
    return parse_expression(text, variables, owner=_owner)


def _parse_checked(text: str, max_variables: int | None) -> Expression:
    """Parse typed text; a formula with no variable is read as a function of x."""
    owner = asking_session()[0]
    expression = parse_cached(text, None, owner)
    if not expression.variables:
        expression = parse_cached(text, ("x",), owner)
    if max_variables is not None and len(expression.variables) > max_variables:
        raise ExpressionError(
            f"this page needs a function of {max_variables} variable(s); '{text}' uses "
            f"{', '.join(expression.variables)}")
    return expression


def typed_function(text: str, memory_key: str, default_text: str,
                   max_variables: int | None = None) -> tuple[Expression, str | None]:
    """Parse typed text; on ``ExpressionError`` fall back to the last valid text.

    The last valid text of this input lives in ``st.session_state[memory_key]`` (before any,
    `default_text`). Returns (expression to use, error message or None).
    """
    try:
        expression = _parse_checked(text, max_variables)
    except ExpressionError as error:
        last = st.session_state.get(memory_key, default_text)
        return _parse_checked(last, max_variables), str(error)
    st.session_state[memory_key] = text
    return expression, None


def function_picker(
    link: Link,
    names: Sequence[str],
    default: str,
    scope: str,
    select_key: str = "fn",
    text_key: str = "f",
    default_text: str = "x^3 - 2*x",
    label: str = "Function",
    max_variables: int | None = 1,
    fallback: str | None = None,
    variable: str = "x",
) -> tuple[Expression, str]:
    """A catalogue selectbox whose "type your own" option opens a text input.

    URL parameters: `select_key` (a catalogue key or "typed": the address carries the key, the
    box shows the formula) and `text_key` (the formula). Typed text goes only through
    ``parse_expression``; its error is shown under the input and the page keeps the last valid
    function (remembered per `scope` and `text_key`). Returns (expression, name): name is the
    catalogue key or "typed". `variable` is the name the box's labels write the catalogue's
    functions in (the expressions themselves stay functions of x).
    """
    options = [*names, TYPED]
    choice = link.choice(select_key, label, options, default,
                         format_func=lambda name: catalogue_label(name, variable),
                         fallback=fallback,
                         help="A function from the article, or the last option to type your "
                              "own.")
    if choice != TYPED:
        return CATALOGUE[choice].expression, choice
    text = link.text(text_key, f"{label}: type a formula", default_text,
                     help="Numbers, variables, + − \\* / ^, sin cos tan exp log ln sqrt abs "
                          "max min relu sigmoid tanh, pi, e. 2x, |x|, x², sin x and e^x are "
                          "read as 2\\*x, abs(x), x^2, sin(x) and exp(x).")
    expression, error = typed_function(text, f"_valid_{scope}_{text_key}", default_text,
                                       max_variables)
    if error:
        st.error(f"{inert(error)}\n\nStill showing the last valid function: "
                 f"{inert(expression.text)}")
    for note in expression.notes:
        st.warning(inert(note), icon=":material/help:")
    return expression, TYPED


def supporting_slopes(name: str, x0: float, ys: np.ndarray) -> tuple[float, float]:
    """The Subgradients page's independent check of ∂f(x₀) for catalogue function `name`: the
    smallest and largest of ``SUPPORT_TEST_SLOPES`` whose line through (x₀, f(x₀)) passes
    gradcore's supporting-line test on the grid `ys`; (nan, nan) when none does.

    601 tests (one array operation, ``gradcore.calculus.subgradients.supporting``), kept per (name, x₀, ys) (``ui.charts.cache.cached``): moving g, the step rule or
    the iterations does not run them again.
    """
    return cached(_supporting_slopes, name, float(x0), np.asarray(ys, dtype=float))


def _supporting_slopes(name: str, x0: float, ys: np.ndarray) -> tuple[float, float]:
    passing = SUPPORT_TEST_SLOPES[supporting(name, x0, SUPPORT_TEST_SLOPES, ys)]
    return (float(passing.min()), float(passing.max())) if passing.size else (np.nan, np.nan)


STEP_NOTE = ("θ(u) is the unit step: 1 where u > 0, 0 where u < 0, and ½ at u = 0 — the "
             "midpoint of the two one-sided slopes, the value gradcore uses at a kink.")
SIGN_NOTE = ("sign(u) is 1 where u > 0, −1 where u < 0, and 0 at u = 0 — the midpoint of the "
             "two one-sided slopes, the value gradcore uses at a kink.")


def notation_note(latex: Sequence[str], where=None) -> None:
    """Under a derivative's LaTeX: what θ (sympy's Heaviside step) and sign mean, and their
    value at 0, which matches the slope the page reports at a kink (the midpoint)."""
    text = " ".join(latex)
    markers = ((r"\theta", STEP_NOTE), (r"\operatorname{sign}", SIGN_NOTE))
    notes = [note for marker, note in markers if marker in text]
    if notes:
        (st if where is None else where).caption(" ".join(notes))


def kink_notes(expression: Expression, point: Sequence[float]) -> None:
    """Under a gradient: each coordinate along which f has a kink at the point, its one-sided
    partial derivatives and the value gradcore reports (``gradcore.expressions.kinks.partial_kinks``)."""
    try:
        found = partial_kinks(expression, point)
    except ExpressionError:
        return
    if found:
        lines = [f"- {inert(kink.note[0].upper() + kink.note[1:])}" for kink in found]
        st.info("**f is not differentiable here.**\n" + "\n".join(lines)
                + "\n\nThe Check below uses central differences, which give the midpoint at a "
                "kink too: their agreement does not make f differentiable here.",
                icon=":material/change_history:")


def undefined_here(error: Exception | str, what: str = "f") -> None:
    """Say that `what` is undefined at the chosen point, with gradcore's reason."""
    st.warning(f"**{what} is undefined here.** {inert(error)}")


VALUE_FORMAT = "%.10g"
"""Values in the check table: up to 10 significant digits, tiny ones as 1e-16 (printf %g)."""
GAP_FORMAT = "%.2e"
"""Differences in the check table: always scientific, 3.40e-11 (never 0.0000000000340)."""
RELATIVE_ERROR_HELP = ("How far apart the two answers are, as a share of their size: "
                       "‖analytic − independent‖ / max(‖analytic‖, ‖independent‖, a tiny floor). "
                       "1e-10 means they agree to about 10 digits.")
TOLERANCE_HELP = ("The tolerance is how close counts as agreeing: finite differences are "
                  "themselves approximate (rounding and the step h), so a tiny difference is expected.")


CHECK_TABLE_LABEL = "The check's numbers, component by component"
CHECK_TABLE_KEY = "check_numbers"


def check_table(rows: Sequence[str], analytic: Sequence[float], numeric: Sequence[float],
                labels: tuple[str, str] = ("analytic", "independent")) -> None:
    """The check's numbers, one row per component: both values and their |difference|.

    Short column names, so four columns fit a phone's width (390 px) without scrolling.
    Number columns with explicit formats (``VALUE_FORMAT``, ``GAP_FORMAT``): without them the
    grid writes a tiny difference out in full (0.0000000000000001). Left out when a value is
    not finite (the metrics above say "undefined" then).
    """
    analytic = np.atleast_1d(np.asarray(analytic, dtype=float))
    numeric = np.atleast_1d(np.asarray(numeric, dtype=float))
    if not (np.all(np.isfinite(analytic)) and np.all(np.isfinite(numeric))):
        return
    # An Arrow table: Streamlit sends it as it is (from a dict or a DataFrame, pandas' string
    # column alone cost milliseconds per rerun).
    st.dataframe(
        pa.table({"what": pa.array(list(rows), pa.string()), labels[0]: analytic,
                  labels[1]: numeric, "|difference|": np.abs(analytic - numeric)}),
        hide_index=True, width="stretch",
        column_config={
            "what": st.column_config.TextColumn("what"),
            labels[0]: st.column_config.NumberColumn(labels[0], format=VALUE_FORMAT),
            labels[1]: st.column_config.NumberColumn(labels[1], format=VALUE_FORMAT),
            "|difference|": st.column_config.NumberColumn(
                "|difference|", format=GAP_FORMAT,
                help="|analytic − independent| for this component, in scientific notation: "
                     "3.40e-11 means 0.0000000000340."),
        })


def check_panel(analytic: Sequence[float] | float, numeric: Sequence[float] | float,
                relative_error: float, method: str = "central finite differences",
                error_label: str = "Relative error", tolerance: float = 1e-5,
                show: Callable[[Any], str] | None = None,
                components: Sequence[str] | None = None,
                error_help: str = RELATIVE_ERROR_HELP) -> None:
    """The "Check" panel: the analytic result, an independent one, and how far apart they are.

    Agreement means `relative_error` <= `tolerance`; vectors show as "(2, 8, 18)" unless a
    `show` formatter is given (an interval shows as "[-1, 1]"). Below the metrics, a collapsed
    box (``CHECK_TABLE_LABEL``) holds a table (:func:`check_table`) of each component, named by
    `components` (default f′ for one number, the vector's index otherwise), to more digits.
    """
    st.header("Check")
    if show is None:
        show = fmt if np.ndim(analytic) == 0 else fmt_vector
    finite = bool(np.isfinite(relative_error))
    metric_row([("Analytic (gradcore)", show(analytic)), ("Independent", show(numeric), method),
                (error_label, f"{relative_error:.2e}" if finite else "undefined",
                 f"{error_help} Agreement: at most {tolerance:.0e}. {TOLERANCE_HELP}")])
    st.caption(f"Independent computation: {method}.")
    count = np.size(analytic)
    names = components or (["value"] if count == 1 else [str(i + 1) for i in range(count)])
    if finite and relative_error <= tolerance:
        st.success(f"They agree: the {error_label.lower()} ({relative_error:.2e}) is within the tolerance "
                   f"{tolerance:.0e}, so the analytic result matches the independent one.")
    elif finite:
        st.warning(f"They differ by more than the tolerance {tolerance:.0e}: f may have a kink "
                   "or be very steep near here.")
    else:
        st.warning("Undefined here: there is no finite value to compare at this point.")
    # Lazy (``on_change="rerun"``), like the share box: the table is made, sent and drawn only
    # while a student opens it. Drawn on every page load, it was the only data grid there, and
    # the grid's code cost the browser 50-100 ms of the page's opening.
    box = st.expander(CHECK_TABLE_LABEL, icon=":material/table_chart:", key=CHECK_TABLE_KEY,
                      on_change="rerun")
    if box.open:
        with box:
            check_table(names, np.ravel(analytic), np.ravel(numeric))
