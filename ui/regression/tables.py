"""How the regression page shows numbers: tables (6 significant digits, turned for a few
parameters), plain numbers and the glossary of its terms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from ui.regression.build import Problem

# Every number in this page's tables: 6 significant digits, tiny and huge ones as 1.2e-16
# (Streamlit's default writes 1e-16 as 0.0000000000000001). sprintf's %g in the browser.
NUMBER_FORMAT = "%.6g"


# Tables with one row per parameter are shown turned (a column per parameter) up to this many
# parameters: w and b of one or two features.
TURN_AT_MOST = 3


GLOSSARY = {
    "λmax (lambda max)": "The largest eigenvalue of S = AᵀA/N, the matrix that sets how curved "
                         "the loss is (its Hessian is 2S). Along the most curved direction a "
                         "step of η multiplies the distance to the optimum by 1 − 2ηλmax, so "
                         "any η above 1/λmax overshoots more each step: that is the largest "
                         "stable learning rate.",
    "condition number": "λmax / λmin: how much more curved the loss is in its steepest "
                        "direction than in its flattest. A learning rate safe for the steep "
                        "direction crawls along the flat one, so gradient descent needs about "
                        "that many steps per factor e of progress. Standardising the features "
                        "usually brings it close to 1.",
    "tol x scale": "The stopping rule: the run counts as converged once the length of the "
                   "gradient is below a tolerance tol (1e-10) times a scale, the largest "
                   "gradient the loss can have at w = 0, b = 0 (2·√(λmax · mean(y²))). So the "
                   "rule means the same whatever the units of y.",
    "GD's shortcut (S, t)": "Gradient descent does not add up the residuals of every row at "
                            "every step. It reads the data once into two summaries, "
                            "S = AᵀA/N and t = Aᵀy/N (A is X with a column of ones), and then "
                            "uses ∇L = 2(Sθ − t), which is the article's formula rearranged. "
                            "The check table shows that both give the same numbers.",
    "finite differences": "A gradient measured without any formula: (L(θ + h) − L(θ − h)) / 2h "
                          "for a small h, one parameter at a time.",
    "standardised units": "With standardisation on, gradient descent works on "
                          "z = (x − mean) / sd, so its w and b differ from the original-units "
                          "line that scikit-learn reports; the page converts them back.",
}


# ui/regression/view.py and ui/regression/check.py write the regression page's numbers with it.


def number_columns(frame: pd.DataFrame | dict, help_texts: dict[str, str] | None = None) -> dict:
    """``column_config`` for ``st.dataframe``: every numeric column written with NUMBER_FORMAT
    (tiny numbers as 1.2e-16), with a tooltip where `help_texts` has one for its name.
    `frame` is a DataFrame or a dict of columns (name: values)."""
    help_texts = help_texts or {}
    return {name: st.column_config.NumberColumn(format=NUMBER_FORMAT, help=help_texts.get(name))
            for name in frame if _numeric(frame[name])}


def _numeric(values) -> bool:
    if isinstance(values, pd.Series):
        return pd.api.types.is_numeric_dtype(values)
    values = np.asarray(values)
    return values.dtype.kind in "biuf"


def _turned_columns(columns: dict) -> dict:
    """The columns of a table with one row per parameter (the first column names them),
    turned to one column per parameter; the other columns must be numbers."""
    names = list(columns)
    label, quantities = names[0], names[1:]
    values = np.array([np.asarray(columns[name], dtype=float) for name in quantities])
    turned = {label: quantities}
    turned |= {str(name): values[:, i] for i, name in enumerate(columns[label])}
    return turned


def _arrow(values) -> pa.Array:
    """A column as Arrow, NaN as a missing value (as pandas' conversion does)."""
    values = np.asarray(values)
    if values.dtype.kind in "biuf":
        return pa.array(values, from_pandas=True)
    return pa.array(values.tolist(), from_pandas=True)


def turned(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with one row per parameter turned to one column per parameter: its first
    column's values become the column names, its other column names the first column.
    The other columns must be numbers."""
    return pd.DataFrame(_turned_columns({name: frame[name].to_numpy() for name in frame}))


def show_table(frame: pd.DataFrame | dict, help_texts: dict[str, str] | None = None,
               where=st, *, per_parameter: bool = False) -> None:
    """A small table of this page: no index, full width, numbers in NUMBER_FORMAT.

    `frame` is a DataFrame or, cheaper on every step (no pandas on the way), a dict of
    columns (name: values), sent to the browser as an Arrow table.

    `per_parameter`: `frame` has one row per parameter (its first column names them). With at
    most TURN_AT_MOST parameters it is shown turned (:func:`turned`): three narrow columns fit
    a phone's width, where five or six wide ones were cut off at the side. More parameters
    keep one row each, which fits a wide screen.
    """
    if isinstance(frame, pd.DataFrame):
        frame = {str(name): frame[name].to_numpy() for name in frame}
    rows = len(next(iter(frame.values()))) if frame else 0
    if per_parameter and rows <= TURN_AT_MOST:
        frame, help_texts = _turned_columns(frame), None
    table = pa.table({name: _arrow(values) for name, values in frame.items()})
    where.dataframe(table, hide_index=True, width="stretch",
                    column_config=number_columns(frame, help_texts))


GLOSSARY_KEY = "glossary_panel"


def glossary() -> None:
    """An expander explaining the page's technical words (λmax, condition number, ...); its
    text is made only while it is open (a lazy expander, as the page's other panels)."""
    box = st.expander("What do λmax, condition number, tol x scale … mean?", key=GLOSSARY_KEY,
                      on_change="rerun")
    if box.open:
        box.markdown("\n".join(f"- **{word}**: {meaning}" for word, meaning in GLOSSARY.items()))


STANDARDISED_UNITS = "standardised units"


ORIGINAL_UNITS = "original units"


def gd_units(problem: Problem) -> str:
    """The units gradient descent's w, b are in: standardised when the features were."""
    return STANDARDISED_UNITS if problem.scaler else ORIGINAL_UNITS
