"""Text columns as 0/1 columns (one-hot, drop-first), so a table with categories can be used.

A text column with categories c_1 < c_2 < ... < c_m (sorted, as ``pandas.get_dummies``) becomes
m - 1 columns ``<name>_<c_j>`` (j >= 2) holding 1.0 where the row has c_j and 0.0 otherwise;
the first category is the baseline (all zeros), so the columns plus the intercept stay
linearly independent. A row whose value is missing gets NaN in every one of the column's
0/1 columns (the regression then leaves it out when the column is used), never a silent 0.

The result's ``attrs`` record, per encoded text column, its ``reference`` category (c_1, the one
whose rows are 0 in every 0/1 column) and its ``dummies`` (the 0/1 columns made), so a page can
say which category the coefficients are measured against.
"""

from __future__ import annotations

import pandas as pd

# A text column with more categories than this is left out (a name or an id column would
# otherwise become hundreds of columns).
MAX_CATEGORIES = 20


def one_hot(text: pd.DataFrame, missing: pd.DataFrame, taken: set[str], max_columns: int,
            max_cells: int) -> tuple[pd.DataFrame, list[str]]:
    """The 0/1 columns (float64) of the text columns of `text` and notes on what was left out.

    `missing` (same shape, bool) marks missing cells; `taken` are names already in use (a 0/1
    column whose name is taken is left out); at most `max_columns` columns in all and at most
    `max_cells` values (rows x columns) are made, the columns in order.
    """
    columns: dict[str, pd.Series] = {}
    notes: list[str] = []
    reference: dict[str, str] = {}
    dummies_of: dict[str, list[str]] = {}

    def record(name, categories, made: list[str]) -> bool:
        if made:
            reference[str(name)] = str(sorted(categories)[0])
            dummies_of[str(name)] = made
        return bool(made)

    def result() -> pd.DataFrame:
        frame = pd.DataFrame(columns, index=text.index)
        frame.attrs.update(reference=reference, dummies=dummies_of)
        return frame

    rows = len(text)
    for name in text.columns:
        values = text[name].where(~missing[name])
        categories = values.dropna().unique()
        if len(categories) > MAX_CATEGORIES:
            notes.append(f"Left out text column '{name}': {len(categories):,} different values, "
                         f"more than {MAX_CATEGORIES} categories for 0/1 columns.")
            continue
        dummies = pd.get_dummies(values, prefix=str(name), drop_first=True, dtype=float)
        dummies[missing[name].to_numpy()] = float("nan")
        made = []
        for column in dummies.columns:
            if column in taken or column in columns:
                notes.append(f"Left out 0/1 column '{column}': a column of that name exists.")
                continue
            if len(columns) >= max_columns or (len(columns) + 1) * rows > max_cells:
                notes.append(f"Left out 0/1 column '{column}' and any after it: at most "
                             f"{max_columns} such columns ({max_cells:,} values) are made.")
                record(name, categories, made)
                return result(), notes
            columns[column] = dummies[column]
            made.append(column)
        if record(name, categories, made):
            notes.append(f"Encoded text column '{name}' as {len(made)} 0/1 column(s) "
                         f"({', '.join(made)}); '{reference[str(name)]}' is the baseline "
                         "(all 0).")
    return result(), notes
