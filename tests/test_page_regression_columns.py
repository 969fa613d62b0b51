"""Regression page: encoding text columns keeps the student's target and names the reference
category (issue 26 item 6)."""

import pytest

from gradcore import load_csv
from tests.page_helpers import open_page, shown
from ui.regression.data import build_loaded_data, columns_after_switch, reference_note

PAGE = "pages/linear-regression.py"
COLOUR_CSV = (b"x1,x2,color,y\n"
              b"1.0,2.0,red,3.1\n2.0,1.0,blue,4.2\n3.0,3.5,green,5.0\n4.0,0.5,red,1.3\n"
              b"5.0,2.5,blue,7.7\n6.0,1.5,green,6.1\n7.0,3.0,red,4.4\n8.0,0.0,blue,9.9\n")
REFERENCE = "color: 'blue' is the reference (all its 0/1 columns are 0)."


def _upload(at, payload=COLOUR_CSV):
    at.file_uploader(key="reg_upload").set_value(("colours.csv", payload, "text/csv")).run()
    assert not at.exception and not at.error, (at.exception, at.error)
    return at


def _captions(at) -> str:
    return " ".join(shown(c.value) for c in at.caption)


def test_encoding_keeps_the_students_target_and_adds_the_new_columns_as_features():
    """y chosen, then 'Encode text columns': y stays the target (not color_red), and both 0/1
    columns join x1, x2 as features; the caption names 'blue' as the reference."""
    at = _upload(open_page(PAGE, src="upload"))
    assert at.selectbox(key="target").value == "y"
    assert at.multiselect(key="feats").value == ["x1", "x2"]
    at.checkbox(key="onehot").check().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="target").value == "y"
    assert at.multiselect(key="feats").value == ["x1", "x2", "color_green", "color_red"]
    assert REFERENCE in _captions(at)


def test_an_encoded_upload_opens_on_the_plain_tables_target():
    """Encoding on before the file arrives: the default target is y, the last column that is
    not a 0/1 column, with every other column as a feature."""
    at = _upload(open_page(PAGE, src="upload", onehot="true"))
    assert at.selectbox(key="target").value == "y"
    assert at.multiselect(key="feats").value == ["x1", "x2", "color_green", "color_red"]
    assert REFERENCE in _captions(at)


def test_a_dummy_left_out_of_the_features_is_named():
    """Without color_red among the features the caption says red rows count as blue."""
    at = _upload(open_page(PAGE, src="upload", onehot="true"))
    at.multiselect(key="feats").unselect("color_red").run()
    assert "color_red is not among the features, so those rows count as the reference too" \
        in _captions(at)


def test_encoding_off_again_drops_the_zero_one_columns_and_keeps_the_target():
    """Back to the plain table: target y kept, features x1, x2, no reference caption."""
    at = _upload(open_page(PAGE, src="upload", onehot="true"))
    at.selectbox(key="target").set_value("x1").run()
    at.checkbox(key="onehot").uncheck().run()
    assert at.selectbox(key="target").value == "x1"
    assert at.multiselect(key="feats").value == ["x2"]
    assert "reference" not in _captions(at)


def test_one_hot_records_the_reference_and_the_zero_one_columns():
    """load_csv(encode_text=True) keeps color's reference category and its 0/1 columns."""
    table = load_csv(COLOUR_CSV, encode_text=True)
    assert table.attrs["reference"] == {"color": "blue"}
    assert table.attrs["dummies"] == {"color": ["color_green", "color_red"]}
    assert build_loaded_data(table, "t").default_target == "y"


@pytest.mark.parametrize(("before", "after", "target", "features", "expected"), [
    (("x1", "x2", "y"), ("x1", "x2", "y", "c_g", "c_r"), "y", ["x1", "x2"],
     ("y", ("x1", "x2", "c_g", "c_r"))),
    (("x1", "x2", "y"), ("x1", "x2", "y", "c_g", "c_r"), "x2", ["x1"],
     ("x2", ("x1", "c_g", "c_r"))),
    (("x1", "x2", "y", "c_g", "c_r"), ("x1", "x2", "y"), "y", ["x1", "c_r"], ("y", ("x1",))),
    (("a", "b"), ("p", "q", "b"), "b", ["a"], ("q", ("p",))),   # another table: its defaults
    (("x1", "y"), ("x1", "x2", "z"), "y", ["x1"], ("q", ("p",))),  # target gone: defaults
])
def test_columns_after_switch(before, after, target, features, expected):
    """The same table in another form keeps the target; another table takes its defaults."""
    assert columns_after_switch(before, after, target, features, "q", ("p",)) == expected


def test_reference_note_is_silent_without_a_chosen_zero_one_column():
    """No 0/1 column among the features: nothing to say."""
    attrs = {"reference": {"color": "blue"}, "dummies": {"color": ["color_green", "color_red"]}}
    assert reference_note(attrs, ["x1"]) is None
    assert reference_note({}, ["x1"]) is None
