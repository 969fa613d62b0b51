"""gradcore.data.encoding.one_hot through load_csv(encode_text=True): drop-first 0/1 columns, limits."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gradcore import MAX_CATEGORIES, load_bundled, load_csv


def test_text_columns_become_drop_first_zero_one_columns():
    """day (Fri, Sat, Sun) -> day_Sat, day_Sun; Fri is the baseline (all 0)."""
    table = load_csv(b"x,day,y\n1,Sat,2\n2,Fri,3\n3,Sun,5\n4,Sat,4\n", encode_text=True)
    assert list(table.columns) == ["x", "y", "day_Sat", "day_Sun"]
    np.testing.assert_array_equal(table["day_Sat"], [1, 0, 0, 1])
    np.testing.assert_array_equal(table["day_Sun"], [0, 0, 1, 0])
    assert any("'Fri' is the baseline" in note for note in table.attrs["notes"])


def test_without_encoding_text_columns_are_left_out_as_before():
    """The default keeps only the numeric columns and lists the text ones."""
    table = load_csv(b"x,day,y\n1,Sat,2\n2,Fri,3\n", encode_text=False)
    assert list(table.columns) == ["x", "y"]
    assert any("Left out column 'day'" in note for note in table.attrs["notes"])


def test_a_missing_category_is_nan_in_every_zero_one_column():
    """A missing text value is not silently the baseline: NaN, so the row is left out."""
    table = load_csv(b"x,c,y\n1,a,2\n2,NA,3\n3,b,5\n4,c,1\n", encode_text=True)
    assert np.isnan(table.loc[1, ["c_b", "c_c"]].to_numpy(dtype=float)).all()
    assert table.loc[0, ["c_b", "c_c"]].tolist() == [0.0, 0.0]


def test_a_column_with_too_many_categories_is_left_out_with_a_note():
    """An id-like column (more than MAX_CATEGORIES values) is not turned into 0/1 columns."""
    rows = "\n".join(f"{i},id{i},{i % 3}" for i in range(MAX_CATEGORIES + 5))
    table = load_csv(f"x,name,y\n{rows}\n".encode(), encode_text=True)
    assert list(table.columns) == ["x", "y"]
    assert any("more than" in note and "'name'" in note for note in table.attrs["notes"])


def test_at_most_max_encoded_columns_are_made():
    """Past the limit the remaining 0/1 columns are left out, and the note says so."""
    table = load_csv(b"x,a,b,y\n1,p,u,2\n2,q,v,3\n3,r,w,5\n", encode_text=True, max_encoded=3)
    assert list(table.columns) == ["x", "y", "a_q", "a_r", "b_v"]
    assert any("'b_w' and any after it" in note for note in table.attrs["notes"])


def test_a_zero_one_name_that_exists_already_is_left_out():
    """A numeric column named like a 0/1 column keeps its name and values."""
    table = load_csv(b"c_b,c,y\n7,a,2\n8,b,3\n9,a,5\n", encode_text=True)
    assert table["c_b"].tolist() == [7.0, 8.0, 9.0]
    assert any("exists" in note for note in table.attrs["notes"])


@pytest.mark.parametrize("column", ["sex_Male", "smoker_Yes", "day_Sat", "day_Sun", "day_Thur",
                                    "time_Lunch"])
def test_tips_text_columns_match_pandas_get_dummies(column):
    """On tips the 0/1 columns equal pandas.get_dummies(drop_first=True)."""
    encoded = load_bundled("tips", encode_text=True)
    raw = pd.read_csv(Path(__file__).parent.parent / "data" / "tips.csv")
    expected = pd.get_dummies(raw, drop_first=True, dtype=float)
    np.testing.assert_array_equal(encoded[column], expected[column])
