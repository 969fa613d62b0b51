"""The chart kit's text alternatives: one sentence with the current numbers, and the numbers.

A screen-reader user gets what a sighted user reads off a plot: each chart is followed by a
caption (:attr:`ChartText.sentence`, one Markdown sentence; user text such as a typed formula
or a column name passes through :func:`ui.shell.text.inert`) and a collapsed expander "Numbers behind
this chart" with a table of the plotted points, at most ``MAX_ROWS`` rows. The chart itself
gets :attr:`ChartText.alt`, a short name Streamlit gives it as ``aria-label``.

This module is the kit: :class:`ChartText`, :func:`show` (the sentence and the lazy table under
a chart), :func:`rows` and :func:`table` (the bounded numbers table) and small number helpers.
Each chart's own text sits beside its figure, in its lesson's package: ``ui.calculus.alt_text``
(derivatives, gradients, subgradients, chain rule), ``ui.regression.alt_text`` (the stepper's
charts), and the race's and curvature's figure modules. No streamlit import: :func:`show`
writes into whatever container it is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gradcore.number_text import fmt

MAX_ROWS = 200
EXPANDER_LABEL = "Numbers behind this chart"
CONFIG = {"displaylogo": False}
"""``config`` of every ``st.plotly_chart``: no plotly logo link in the tool bar."""


class ChartText:
    """``alt``: a short plain-text name; ``sentence``: Markdown; ``table``: ≤ MAX_ROWS rows.

    `table` may be given as a function of no arguments that makes it (:func:`deferred_table`):
    the table is then made on first use, i.e. only when a reader opens "Numbers behind this
    chart" (:func:`show`), not at every click. Read-only once made (texts are cached and
    shared, ``ui.charts.cache``)."""

    __slots__ = ("alt", "sentence", "_table")

    def __init__(self, alt: str, sentence: str,
                 table: pd.DataFrame | Callable[[], pd.DataFrame]) -> None:
        self.alt, self.sentence, self._table = alt, sentence, table

    @property
    def table(self) -> pd.DataFrame:
        if callable(self._table):
            self._table = self._table()
        return self._table

    def __repr__(self) -> str:
        return f"ChartText({self.alt!r}, {self.sentence!r})"


HIDDEN_SENTENCE = ("This chart's numbers are hidden until you answer the exercise above "
                   "(or choose Show the answer).")
HELD_SENTENCE = ("This chart's numbers are hidden until you press Reveal the answers at the "
                 "top of the page.")


def numbers_key(alt: str) -> str:
    """The widget key of a chart's lazy "Numbers behind this chart" box, from its name."""
    return "numbers_" + re.sub(r"[^a-z0-9]+", "_", alt.lower()).strip("_")


def show(where: Any, text: ChartText) -> None:
    """Under a chart in `where` (``st`` or a column): the sentence, then the collapsed table.

    The table is made only while its box is open (``on_change="rerun"``, keyed by
    :func:`numbers_key` of the chart's name), so a click does not build and send it hidden.
    While an exercise is open and unanswered (predict, then see: ui/shell/exercise_panel.py), or a
    lesson holds the answers back, the sentence and the table would give the answer away, so a
    note stands in their place.
    """
    from ui.shell import exercise_panel  # streamlit-side state; this module stays importable alone

    if not exercise_panel.revealed():
        where.caption(HIDDEN_SENTENCE if exercise_panel.exercise_open() else HELD_SENTENCE)
        return
    where.caption(text.sentence)
    box = where.expander(EXPANDER_LABEL, key=numbers_key(text.alt), on_change="rerun")
    if box.open:
        box.dataframe(text.table, hide_index=True, width="stretch")


def rows(n: int, max_rows: int = MAX_ROWS, keep: Sequence[int] = ()) -> np.ndarray:
    """Sorted row indices: every n-th row at an even stride, the first and the last, and
    `keep` (the current step), at most `max_rows` of them."""
    keep = sorted({int(k) for k in keep if 0 <= k < n})
    if n <= max_rows:
        return np.arange(n)
    stride = math.ceil((n - 1) / (max_rows - 1 - len(keep)))
    return np.unique(np.concatenate([np.arange(0, n, stride), [n - 1], keep])).astype(int)


def numbers_table(columns: dict[str, Any], keep: Sequence[int] = (),
           sort_by: str | None = None) -> tuple[pd.DataFrame, int]:
    """A table of equal-length columns, rows with a non-finite number left out, then thinned
    to MAX_ROWS (and, for a scatter, sorted by `sort_by`). Returns it and how many rows were
    left out as undefined."""
    frame = pd.DataFrame({name: np.asarray(values) for name, values in columns.items()})
    numeric = frame.select_dtypes("number")
    finite = np.isfinite(numeric.to_numpy(dtype=float)).all(axis=1)
    position = np.flatnonzero(finite)
    kept = [int(np.searchsorted(position, k)) for k in keep if finite[k]]
    table = frame.iloc[position[rows(position.size, keep=kept)]]
    if sort_by is not None:
        table = table.sort_values(sort_by, kind="stable")
    return table.reset_index(drop=True), int((~finite).sum())


def deferred_table(columns: dict[str, Any], keep: Sequence[int] = (),
                   sort_by: str | None = None) -> tuple[Callable[[], pd.DataFrame], int]:
    """(a function that makes :func:`numbers_table`'s table, how many rows it leaves out as
    undefined): the count now, for the sentence; the table when someone opens it."""
    arrays = [np.asarray(values) for values in columns.values()]
    numeric = [a for a in arrays if np.issubdtype(a.dtype, np.number)]
    finite = np.logical_and.reduce([np.isfinite(a) for a in numeric]) if numeric else None
    undefined = 0 if finite is None else int(np.size(finite) - np.count_nonzero(finite))
    return lambda: numbers_table(columns, keep, sort_by)[0], undefined


def value_range(xs: np.ndarray) -> str:
    return f"[{fmt(xs[0])}, {fmt(xs[-1])}]"


def left_out_note(count: int, total: int) -> str:
    return f" (undefined at {count} of {total} points, left out of the table)" if count else ""


def interval_text(lo: float, hi: float) -> str:
    return f"[{fmt(lo)}, {fmt(hi)}]" if hi > lo else f"{{{fmt(lo)}}}"
