"""How the regression page shows numbers: tables (6 significant digits, turned for a few
parameters), plain numbers and the glossary of its terms."""

from __future__ import annotations

import pandas as pd
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


def number_columns(frame: pd.DataFrame, help_texts: dict[str, str] | None = None) -> dict:
    """``column_config`` for ``st.dataframe``: every numeric column written with NUMBER_FORMAT
    (tiny numbers as 1.2e-16), with a tooltip where `help_texts` has one for its name."""
    help_texts = help_texts or {}
    return {name: st.column_config.NumberColumn(format=NUMBER_FORMAT, help=help_texts.get(name))
            for name in frame.columns if pd.api.types.is_numeric_dtype(frame[name])}


def turned(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with one row per parameter turned to one column per parameter: its first
    column's values become the column names, its other column names the first column.
    The other columns must be numbers."""
    label = frame.columns[0]
    values = frame.iloc[:, 1:].to_numpy(dtype=float)
    columns = {label: list(frame.columns[1:])}
    columns |= {str(name): values[i] for i, name in enumerate(frame[label])}
    return pd.DataFrame(columns)


def show_table(frame: pd.DataFrame, help_texts: dict[str, str] | None = None,
               where=st, *, per_parameter: bool = False) -> None:
    """A small table of this page: no index, full width, numbers in NUMBER_FORMAT.

    `per_parameter`: `frame` has one row per parameter (its first column names them). With at
    most TURN_AT_MOST parameters it is shown turned (:func:`turned`): three narrow columns fit
    a phone's width, where five or six wide ones were cut off at the side. More parameters
    keep one row each, which fits a wide screen.
    """
    if per_parameter and len(frame) <= TURN_AT_MOST:
        frame, help_texts = turned(frame), None
    where.dataframe(frame, hide_index=True, width="stretch",
                    column_config=number_columns(frame, help_texts))


def glossary() -> None:
    """An expander explaining the page's technical words (λmax, condition number, ...)."""
    with st.expander("What do λmax, condition number, tol x scale … mean?"):
        st.markdown("\n".join(f"- **{word}**: {meaning}" for word, meaning in GLOSSARY.items()))


STANDARDISED_UNITS = "standardised units"


ORIGINAL_UNITS = "original units"


def gd_units(problem: Problem) -> str:
    """The units gradient descent's w, b are in: standardised when the features were."""
    return STANDARDISED_UNITS if problem.scaler else ORIGINAL_UNITS
