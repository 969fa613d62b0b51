"""AppTest tests of the linear-regression page: sources, uploads, stepping, checks, links, export."""

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gradcore import Standardizer, gradient_descent, load_bundled, sklearn_reference
from tests.page_helpers import (
    all_text,
    deferred_downloads,
    metric,
    notes,
    open_page,
    open_tab,
    shown,
)
from tests.page_helpers import charts as page_charts
from ui.regression import data_source

PAGE = "pages/linear-regression.py"
SHOWN_RTOL = 1e-5  # metrics are written with 6 significant digits
GOOD_CSV = b"x,y\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n5,11.1\n"
OTHER_CSV = b"a;b;c\n1,5;2;10\n2,5;3;14\n3,0;5;21\n4,5;4;22\n"
BAD_CSV = b"name,city\nann,paris\nbob,rome\n"
CHART_KEYS = ("fig_line", "fig_contour", "fig_loss", "fig_residuals")


def parameter_table(at: AppTest, label: str, quantity: str) -> pd.DataFrame:
    """The table whose first column is `label`, one row per parameter: turned back when the
    page shows it turned (a column per parameter; then `quantity` names one of its rows)."""
    frame = next(f.value for f in at.dataframe if f.value.columns[0] == label)
    if quantity in list(frame[label]):
        frame = frame.set_index(label).T.rename_axis(label).reset_index()
    return frame


def tips_trajectory(rate=0.1, steps=200):
    """The trajectory the page should show for tips, standardised, from (0, 0)."""
    table = load_bundled("tips")
    X = table[["total_bill"]].to_numpy()
    return gradient_descent(Standardizer.fit(X).transform(X), table["tip"].to_numpy(), rate,
                            steps)


def test_default_page_bundled_tips_runs_and_converges():
    """The bare page opens on tips, converges, and its Check tab says GD matches
    scikit-learn."""
    at = open_page(PAGE)
    assert not at.exception and not at.error
    assert "bundled dataset 'tips'" in all_text(at)
    assert any(s.value.startswith("Converged after") for s in at.success)
    open_tab(at, "check")
    assert any("matches scikit-learn" in s.value for s in at.success)
    assert metric(at, "step k") == f"0 of {tips_trajectory().steps_taken}"


@pytest.mark.parametrize("params, expected", [
    ({"src": "bundled", "ds": "diabetes"}, "bundled dataset 'diabetes'"),
    ({"src": "generate", "n": "300", "d": "3", "seed": "5"}, "generated data (n=300, d=3"),
    ({"src": "upload"}, "Upload a CSV file"),
])
def test_each_data_source(params, expected):
    """Bundled, generated and (before a file arrives) upload sources render without error."""
    at = open_page(PAGE, **params)
    assert not at.exception and not at.error
    assert expected in all_text(at)


def test_good_upload_then_bad_upload_keeps_previous_data():
    """A good CSV is used; a bad one shows its DataError and the good data stays in use."""
    at = open_page(PAGE, src="upload")
    at.file_uploader(key="reg_upload").set_value(("good.csv", GOOD_CSV, "text/csv")).run()
    assert not at.exception and not at.error
    assert "uploaded file 'good.csv': 5 rows" in all_text(at)
    fitted = metric(at, "loss L(w, b)")
    at.file_uploader(key="reg_upload").set_value(("bad.csv", BAD_CSV, "text/csv")).run()
    assert not at.exception
    assert len(at.error) == 1 and "bad.csv" in shown(at.error[0].value)
    assert "numeric column" in at.error[0].value
    assert "Still using uploaded file 'good.csv'" in all_text(at)
    assert metric(at, "loss L(w, b)") == fitted
    assert "the link carries the settings, not the file" in all_text(at).lower()


def test_accept_upload_directly():
    """The upload handler parses once per file id and keeps old data on a bad file."""
    store = {}
    assert data_source.accept_upload(store, "id1", "semi.csv", OTHER_CSV) is None
    first = store["reg_upload_data"]
    assert list(first.frame.columns) == ["a", "b", "c"]
    message = data_source.accept_upload(store, "id2", "bad.csv", BAD_CSV)
    assert message and "bad.csv" in shown(message)
    assert store["reg_upload_data"] is first
    assert data_source.accept_upload(store, "id2", "bad.csv", BAD_CSV) == message


def test_target_and_feature_selection():
    """Choosing a target and two features runs GD on exactly those columns."""
    at = open_page(PAGE, src="bundled", ds="diabetes")
    at.selectbox(key="target").set_value("bmi").run()
    at.multiselect(key="feats").set_value(["age", "bp"]).run()
    assert not at.exception and not at.error
    open_tab(at, "gradient")
    table = parameter_table(at, "parameter (standardised units)", "−η · gradient")
    assert list(table["parameter (standardised units)"]) == ["w (age)", "w (bp)", "b"]
    open_tab(at, "check")
    table = load_bundled("diabetes")
    coef, _ = sklearn_reference(table[["age", "bp"]].to_numpy(), table["bmi"].to_numpy())
    shown = parameter_table(at, "parameter (original units)", "scikit-learn")
    np.testing.assert_allclose(shown["scikit-learn"].to_numpy()[:2], coef, rtol=1e-12)


def test_stepping_shows_the_trajectory_values():
    """Forward, forward, back lands on step 1; end lands on the last step; numbers match GD."""
    trajectory = tips_trajectory()
    at = open_page(PAGE)
    at.button(key="k_forward").click().run()
    at.button(key="k_forward").click().run()
    at.button(key="k_back").click().run()
    for k in (1, trajectory.steps_taken):
        assert metric(at, "step k") == f"{k} of {trajectory.steps_taken}"
        for label, value in (("w (standardised units)", trajectory.w[k, 0]),
                             ("b (standardised units)", trajectory.b[k]),
                             ("loss L(w, b)", trajectory.loss[k])):
            assert float(metric(at, label)) == pytest.approx(value, rel=SHOWN_RTOL)
        at.button(key="k_end").click().run()
    at.button(key="k_start").click().run()
    assert float(metric(at, "loss L(w, b)")) == pytest.approx(trajectory.loss[0], rel=SHOWN_RTOL)


def test_standardised_diabetes_matches_sklearn_within_tolerance():
    """After enough steps on standardised diabetes, GD's coefficients match scikit-learn's."""
    at = open_page(PAGE, src="bundled", ds="diabetes", lr="0.2", steps="20000", tab="check")
    at.button(key="k_end").click().run()
    assert not at.exception and not at.error
    assert any("Gradient descent matches scikit-learn" in s.value for s in at.success)
    shown = parameter_table(at, "parameter (original units)", "scikit-learn")
    gd = shown.iloc[:, 1].to_numpy()
    sk = shown["scikit-learn"].to_numpy()
    assert np.linalg.norm(gd - sk) / np.linalg.norm(sk) < 1e-6


def test_divergent_learning_rate_is_named_and_nothing_is_nan():
    """η above 1/λmax shows a message with the bound; no nan or inf appears anywhere."""
    at = open_page(PAGE, lr="5", steps="500")
    assert not at.exception
    assert len(at.error) == 1 and "1/λmax" in at.error[0].value
    bound = re.search(r"1/λmax = ([0-9.e+-]+)", at.error[0].value).group(1)
    assert float(bound) < 5
    at.button(key="k_end").click().run()
    text = all_text(at)
    assert not re.search(r"\b(nan|inf|infinity)\b", text, flags=re.IGNORECASE)


def test_full_url_reproduces_the_numbers_in_a_fresh_session():
    """Set every control by hand, then open its URL in a fresh AppTest: same numbers."""
    at = open_page(PAGE)
    at.radio(key="src").set_value("generate").run()
    for key, value in (("n", 500), ("noise", 0.5), ("seed", 3), ("tw", 1.5), ("tb", -2.0),
                       ("steps", 80), ("w0", 0.5), ("b0", 1.0)):
        at.number_input(key=key).set_value(value).run()
    at.checkbox(key="std").set_value(False).run()
    at.select_slider(key="lr").set_value(0.05).run()
    at.slider(key="k").set_value(17).run()
    by_hand = [m.value for m in at.metric]
    link = dict(src="generate", n="500", noise="0.5", seed="3", tw="1.5", tb="-2", steps="80",
                w0="0.5", b0="1", std="false", lr="0.05", k="17")
    fresh = open_page(PAGE, **link)
    assert not fresh.exception and not fresh.info
    assert [m.value for m in fresh.metric] == by_hand
    assert by_hand[0] == "17 of 80"


def test_unusable_link_parameters_fall_back_with_a_note():
    """Bad values in the link are named in a note and the page still works."""
    at = open_page(PAGE, src="teleport", n="abc", lr="7.7", k="999999")
    assert not at.exception and not at.error
    for key in ("src=teleport", "lr=7.7", "k=999999"):
        assert key in notes(at)
    assert metric(at, "step k").startswith("0 of")


def test_csv_download_has_one_row_per_iterate(monkeypatch):
    """The trajectory CSV has columns step, w, b, loss, gradients and one row per iterate."""
    offered = deferred_downloads(monkeypatch)
    at = open_page(PAGE, src="bundled", ds="diabetes", steps="37", lr="0.01")
    captured = [data for data, names in offered if "trajectory.csv" in names]
    assert captured, "the page offers no deferred download"
    table = pd.read_csv(io.BytesIO(captured[-1]()))
    assert len(table) == 38
    assert list(table["step"]) == list(range(38))
    assert {"w_age", "w_s6", "b", "loss", "grad_w_age", "grad_b"} <= set(table.columns)
    assert "38 rows" in at.get("download_button")[0].label


def test_no_feature_and_zero_steps_are_handled():
    """No feature chosen gives a message; zero steps shows the start point only."""
    at = open_page(PAGE)
    at.multiselect(key="feats").set_value([]).run()
    assert not at.exception
    assert any("at least one feature" in w.value for w in at.warning)
    at = open_page(PAGE, steps="0")
    assert not at.exception and not at.error
    assert metric(at, "step k") == "0 of 0"
    assert any("only its start point" in c.value for c in at.caption)


def test_feature_list_from_the_link():
    """Repeated feats parameters in the link select exactly those features."""
    at = open_page(PAGE, ds="diabetes", feats=["bmi", "s5"])
    assert not at.exception and not at.error
    assert at.multiselect(key="feats").value == ["bmi", "s5"]


def test_switching_dataset_forgets_the_old_columns_without_a_link_note():
    """Target and features chosen on diabetes are not reported as a bad link after the
    student switches to tips: the page takes tips' defaults and shows no note."""
    at = open_page(PAGE, src="bundled", ds="diabetes", target="bmi", feats=["age", "bp"],
                   tab="gradient")
    assert at.selectbox(key="target").value == "bmi" and not at.info
    # The address keeps target=bmi&feats=age&feats=bp, as a browser's would.
    at.selectbox(key="ds").set_value("tips").run()
    assert not at.exception and not at.error
    assert "not usable" not in " ".join(i.value for i in at.info)
    assert at.selectbox(key="target").value == "tip"
    table = parameter_table(at, "parameter (standardised units)", "−η · gradient")
    assert list(table["parameter (standardised units)"]) == ["w (total_bill)", "b"]


def test_a_link_naming_a_missing_column_still_gets_a_note():
    """A teacher's link with a column the table does not have is still reported."""
    at = open_page(PAGE, src="bundled", ds="tips", target="bmi")
    assert "target=bmi" in " ".join(i.value for i in at.info)
    assert at.selectbox(key="target").value == "tip"


def test_every_regression_chart_has_a_sentence_with_the_numbers_and_a_table_behind_it():
    """One feature (tips): four charts, two per tab ("Fit and loss": the line and the loss;
    "Path and residuals"), each named for screen readers, each with a caption sentence
    carrying the run's numbers and a collapsed table of at most 200 rows; the loss sentence
    gives the first and last loss of the run the page shows."""
    at = open_page(PAGE, k="5")
    shown_keys, text, tables = [], "", []
    for view in ("fit", "path"):
        open_tab(at, view)
        charts = page_charts(at)
        assert len(charts) == 2 and all(chart.alt for chart in charts)
        shown_keys += [chart.key for chart in charts]
        text += all_text(at)
        closed = [e for e in at.expander if e.label == "Numbers behind this chart"]
        assert len(closed) == 2 and all(not e.dataframe for e in closed)
        for chart in charts:  # a student opens each expander: its table is built and shown
            at.session_state[f"numbers_{chart.key}"] = True
        at.run()
        tables += [e for e in at.expander if e.label == "Numbers behind this chart"]
    assert sorted(shown_keys) == sorted(CHART_KEYS)
    loss = tips_trajectory().loss
    assert (f"Loss falls from {loss[0]:.4g} to {loss[-1]:.4g} in {loss.size - 1} steps; at "
            f"step 5 it is {loss[5]:.4g}.") in text
    for fragment in ("data points of tip against total_bill; at step 5 gradient descent's line",
                     "from the scikit-learn optimum", "Residuals ŷ − y of 40 rows at step 5"):
        assert fragment in text, fragment
    assert len(tables) == 4
    assert all(0 < len(e.dataframe[0].value) <= 200 for e in tables)
    loss_table = next(e.dataframe[0].value for e in tables if "loss" in e.dataframe[0].value
                      and "step k" in e.dataframe[0].value and "w" not in e.dataframe[0].value)
    np.testing.assert_allclose(loss_table.set_index("step k").loc[5, "loss"], loss[5],
                               rtol=1e-12)


def test_several_features_charts_have_their_text_alternatives_too():
    """Diabetes (several features): predicted-vs-actual and coefficient sentences."""
    at = open_page(PAGE, src="bundled", ds="diabetes")
    text = all_text(at)
    assert "gradient descent's predictions of" in text and "(root mean square)" in text
    assert len([e for e in at.expander if e.label == "Numbers behind this chart"]) == 2
    open_tab(at, "path")
    assert "the weight furthest from scikit-learn's is that of" in all_text(at)
    assert len([e for e in at.expander if e.label == "Numbers behind this chart"]) == 2


def test_step_buttons_carry_keyboard_shortcuts_and_the_page_names_them():
    """start/back/forward/end have the Home/Left/Right/End shortcuts, and a caption next to
    the stepper says which key does what."""
    at = open_page(PAGE)
    shortcuts = {key: at.button(key=key).proto.shortcut
                 for key in ("k_start", "k_back", "k_forward", "k_end")}
    assert shortcuts == {"k_start": "home", "k_back": "left", "k_forward": "right",
                         "k_end": "end"}  # Streamlit stores the key names in lower case
    captions = " ".join(c.value for c in at.caption)
    assert "**←** back, **→** forward, **Home** start, **End** end" in captions


def test_check_tables_explain_their_columns_and_write_tiny_numbers_in_exponent_form():
    """Every numeric column of the stepper's tables uses the %.6g format (1e-16 shows as
    1e-16, not 0.0000000000000001); the check table names GD's shortcut formula and finite
    differences and explains both beside it (the old "GD engine" name is gone); with one
    feature each table is turned to a column per parameter (three columns fit a phone)."""
    at = open_page(PAGE, k="3", tab="gradient")
    firsts = ("parameter (standardised units)", "component (standardised units)",
              "parameter (original units)")
    tables = [frame for frame in at.dataframe if frame.value.columns[0] in firsts]
    note = " ".join(c.value for c in at.caption)
    open_tab(at, "check")
    tables += [frame for frame in at.dataframe if frame.value.columns[0] in firsts]
    assert len(tables) == 3
    for frame in tables:
        assert list(frame.value.columns[1:]) in (["w (total_bill)", "b"], ["∂L/∂w1", "∂L/∂b"],
                                                 ["total_bill", "b (intercept)"])
        config = json.loads(frame.proto.columns)
        numeric = [c for c in frame.value.columns if pd.api.types.is_numeric_dtype(frame.value[c])]
        assert len(numeric) == 2
        assert all(config[c]["type_config"]["format"] == "%.6g" for c in numeric)
    check = next(f.value for f in tables if f.value.columns[0] == firsts[1])
    assert list(check[firsts[1]]) == ["article's formula", "GD's shortcut (S, t)",
                                      "finite differences"]
    np.testing.assert_allclose(check["∂L/∂b"].to_numpy(), check["∂L/∂b"].iloc[0], rtol=1e-5)
    note += " ".join(c.value for c in at.caption)
    assert "**GD's shortcut (S, t)** is how gradient descent computes the gradient: 2(Sθ − t)" \
        in note
    assert "(L(θ + h) − L(θ − h)) / 2h" in note
    assert "GD engine" not in all_text(at)


def test_check_tables_are_made_only_while_their_box_is_open():
    """The check's verdicts are sentences on the page; its two tables (the gradient three ways,
    GD against scikit-learn) sit in a box made only while open: closed (the default) the page
    has neither grid, opened it has both, at the step shown."""
    from ui.regression.check import NUMBERS_KEY, NUMBERS_LABEL

    at = open_page("linear-regression", panels=False, tab="check")
    (box,) = [e for e in at.expander if e.label == NUMBERS_LABEL]
    assert not box.dataframe
    assert not [f for f in at.dataframe if "finite differences" in list(f.value.iloc[:, 0])]
    assert any(s.value.startswith("Gradient check at step 0") for s in at.success)
    at.session_state[NUMBERS_KEY] = True
    at.run()
    (box,) = [e for e in at.expander if e.label == NUMBERS_LABEL]
    # One column per parameter, one row per way of computing it (the first column names it).
    rows = [list(f.value.iloc[:, 0]) for f in box.dataframe]
    assert ["article's formula", "GD's shortcut (S, t)", "finite differences"] in rows
    assert ["GD at step 0", "scikit-learn", "|difference|"] in rows


def test_many_parameters_keep_one_row_each_with_column_explanations():
    """Diabetes with every feature: the check table keeps a row per component, and its
    columns carry tooltips explaining GD's shortcut and finite differences."""
    at = open_page(PAGE, src="bundled", ds="diabetes", tab="check")
    check = next(f for f in at.dataframe
                 if f.value.columns[0] == "component (standardised units)")
    assert len(check.value) > 3 and "GD's shortcut (S, t)" in check.value.columns
    helps = {name: column.get("help", "") for name, column in
             json.loads(check.proto.columns).items()}
    assert "S = AᵀA/N" in helps["GD's shortcut (S, t)"]
    assert "(L(θ + h) − L(θ − h)) / 2h" in helps["finite differences"]


def test_glossary_explains_lambda_max_condition_number_and_the_stopping_rule():
    """An expander in the settings explains λmax, the condition number, tol x scale and the
    shortcut formula in plain words."""
    at = open_page(PAGE)
    glossary = next(e for e in at.expander if e.label.startswith("What do λmax"))
    text = " ".join(m.value for m in glossary.markdown)
    for word in ("**λmax (lambda max)**", "**condition number**", "**tol x scale**",
                 "**GD's shortcut (S, t)**", "largest stable learning rate"):
        assert word in text, word
