"""AppTest tests of the regression page's loss and optimizer choice, formula panel and export.

AppTest does not write widget values to the address; the page's Link does, and AppTest keeps
what the page wrote, so ``at.query_params`` is the address a browser would show.
"""

import ast
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gradcore import Standardizer, fit, load_bundled, residual_signs
from gradcore.data.generate import DATA_DIR
from gradcore.regression.engine import EVALUATION_ROWS
from tests.page_helpers import (
    all_text,
    deferred_downloads,
    metric,
    notes,
    open_page,
    shown,
    tab_texts,
)
from tests.page_helpers import charts as page_charts
from ui.regression import build as regression_build
from ui.regression import cache as cache
from ui.regression import engine as engines
from ui.regression import race as race

PAGE = "pages/linear-regression.py"
SHOWN_RTOL = 1e-5  # metrics are written with 6 significant digits
ZERO_CSV = b"x,y\n1,0\n2,0\n3,5\n4,7\n5,0\n"


def script_settings(script: str) -> dict:
    """The SETTINGS JSON of an exported script, read from its syntax tree (never run)."""
    for node in ast.walk(ast.parse(script)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SETTINGS":
            return json.loads(node.value.args[0].value)
    raise AssertionError("no SETTINGS in the script")


def tips_fit(**settings):
    """gradcore.fit on tips (tip ~ total_bill, standardised), as the page runs it."""
    frame = load_bundled("tips")
    X = frame[["total_bill"]].to_numpy(dtype=float)
    y = frame["tip"].to_numpy(dtype=float)
    scaler = Standardizer.fit(X)
    return fit(scaler.transform(X), y, w0=np.zeros(1), **settings), scaler, X, y


def test_defaults_are_mse_and_gd_and_stay_out_of_the_address():
    """A plain link opens MSE + gradient descent with the article's panels; no loss/opt in it."""
    at = open_page(PAGE, tab="gradient")
    assert not at.exception
    assert at.selectbox(key="loss").value == "mse" and at.selectbox(key="opt").value == "gd"
    assert not {"loss", "opt", "mom", "beta2", "batch", "sched", "delta"} & set(at.query_params)
    assert "The gradient at step 0, by the article's formula" in all_text(at)
    assert not any(s.key in ("mom", "beta2", "delta") for s in at.number_input)


def test_choosing_an_optimizer_changes_the_numbers_and_the_address_keeps_it():
    """Momentum instead of GD: other iterates from step 2 on (step 1 is the same: z = g), and
    opt=momentum in the address, which opens the same run again."""
    at = open_page(PAGE, k="2")
    before = metric(at, "loss L(w, b)")
    at.selectbox(key="opt").set_value("momentum").run()
    assert not at.exception
    assert at.query_params["opt"] == "momentum"
    assert at.number_input(key="mom").value == pytest.approx(0.9)
    at.button(key="k_start").click().run()
    at.button(key="k_forward").click().run()
    at.button(key="k_forward").click().run()
    run, _, _, _ = tips_fit(optimizer="momentum")
    assert metric(at, "step k") == f"2 of {run.steps_taken}"
    assert metric(at, "loss L(w, b)") != before
    assert float(metric(at, "loss L(w, b)")) == pytest.approx(run.loss[2], rel=SHOWN_RTOL)
    again = open_page(PAGE, **at.query_params)
    assert metric(again, "step k") == metric(at, "step k")
    assert metric(again, "loss L(w, b)") == metric(at, "loss L(w, b)")


def test_a_huber_adam_link_opens_exactly_that_run():
    """loss=huber&opt=adam&delta=2&mom=0.5&beta2=0.99&sched=1/k: those controls, those numbers."""
    params = {"loss": "huber", "opt": "adam", "delta": "2", "mom": "0.5", "beta2": "0.99",
              "sched": "1/k", "k": "7"}
    at = open_page(PAGE, **params)
    assert not at.exception and not at.error
    assert at.selectbox(key="loss").value == "huber" and at.selectbox(key="opt").value == "adam"
    assert at.number_input(key="delta").value == 2.0
    assert at.selectbox(key="sched").value == "1/k"
    run, _, _, _ = tips_fit(loss="huber", optimizer="adam", huber_delta=2.0, momentum=0.5,
                            beta2=0.99, schedule="1/k")
    assert float(metric(at, "loss L(w, b)")) == pytest.approx(run.loss[7], rel=SHOWN_RTOL)
    assert float(metric(at, "w (standardised units)")) == pytest.approx(run.w[7, 0],
                                                                       rel=SHOWN_RTOL)
    text = tab_texts(at, "gradient", "check")
    assert "Adam, step 7 → 8" in text and f"{run.step_size[7]:.6g}" in text
    assert "quadratic part" in text
    assert "SciPy's L-BFGS" in text
    assert {key: at.query_params[key] for key in params if key != "delta"} == {
        key: value for key, value in params.items() if key != "delta"}
    assert float(at.query_params["delta"]) == 2.0


def test_mae_shows_the_subgradient_choice_and_counts_zero_residuals():
    """An upload where three rows have y = 0: at step 0 (w = b = 0) three residuals are 0."""
    at = open_page(PAGE, src="upload", loss="mae", std="false")
    at.file_uploader(key="reg_upload").set_value(("zeros.csv", ZERO_CSV, "text/csv")).run()
    assert not at.exception
    X, y = np.arange(1.0, 6.0)[:, None], np.array([0, 0, 5, 7, 0.0])
    assert residual_signs(X, y, [0.0], 0.0) == (0, 2, 3)
    text = tab_texts(at, "gradient", "check")
    assert "sign(0) = 0" in text
    assert "0 residuals > 0, 2 < 0, **3 exactly 0**" in text
    assert "QuantileRegressor" in text


@pytest.mark.parametrize("params, note", [
    ({"opt": "bogus"}, "opt=bogus"),
    ({"loss": "mae", "opt": "momentum", "mom": "5"}, "mom=5"),
    ({"loss": "huber", "delta": "-1"}, "delta=-1"),
    ({"opt": "sgd", "batch": "0"}, "batch=0"),
    ({"opt": "adam", "beta2": "inf"}, "beta2=inf"),
])
def test_unusable_values_in_a_link_fall_back_with_a_note(params, note):
    """A bad loss/optimizer setting in a link: a note naming it, the default used, no error."""
    at = open_page(PAGE, **params)
    assert not at.exception and not at.error
    assert note in notes(at)
    assert metric(at, "step k").startswith("0 of")


def test_the_python_script_download_repeats_the_run(monkeypatch):
    """The "Python script" button offers export_script of the run, named after the dataset."""
    offered = deferred_downloads(monkeypatch)
    at = open_page(PAGE, loss="mae", opt="momentum", mom="0.8", lr="0.05", steps="150")
    assert not at.exception
    labels = [button.label for button in at.get("download_button")]
    assert "Download the run as a Python script" in labels
    script = next(data() for data, names in offered if "gradient_descent_tips.py" in names)
    settings = script_settings(script)
    assert "import sklearn" not in script and "import streamlit" not in script
    assert (settings["loss"], settings["optimizer"]) == ("mae", "momentum")
    assert (settings["optimizer_settings"]["momentum"], settings["steps"],
            settings["learning_rate"]) == (0.8, 150, 0.05)
    assert settings["target"] == "tip" and settings["features"] == ["total_bill"]
    assert "def momentum_step" in script and "def mae_derivative" in script
    tips = load_bundled("tips")
    assert settings["data"]["rows"] == len(tips)
    assert abs(settings["data"]["y_mean"] - tips["tip"].mean()) <= 1e-12 * tips["tip"].mean()


def test_change_optimizer_step_to_the_end_switch_loss_and_the_step_is_clamped():
    """Adam, end (200), then MAE with 40 steps: k is clamped to the shorter run's last step."""
    at = open_page(PAGE)
    at.selectbox(key="opt").set_value("adam").run()
    at.query_params.update({"opt": "adam"})
    at.button(key="k_end").click().run()
    assert metric(at, "step k") == "200 of 200"
    at.number_input(key="steps").set_value(40).run()
    at.selectbox(key="loss").set_value("mae").run()
    assert not at.exception
    k, last = metric(at, "step k").split(" of ")
    assert k == last == "40"
    assert at.query_params["loss"] == "mae" and at.query_params["k"] == "40"
    assert "sign(0) = 0" in all_text(at)


def test_switching_back_to_mse_and_gd_restores_the_article_panels_and_address():
    """MAE + Nesterov, then MSE + GD again: the article's formula and a clean address."""
    at = open_page(PAGE, loss="mae", opt="nesterov", tab="gradient")
    assert "The gradient at step 0 and the update" in all_text(at)
    at.selectbox(key="loss").set_value("mse").run()
    at.selectbox(key="opt").set_value("gd").run()
    assert not at.exception
    assert "The gradient at step 0, by the article's formula" in all_text(at)
    assert not {"loss", "opt", "mom"} & set(at.query_params)


def test_one_hot_on_tips_offers_the_text_columns_as_features():
    """onehot=true: sex_Male, smoker_Yes, day_*, time_Lunch become choosable features."""
    at = open_page(PAGE, onehot="true", feats=["total_bill", "sex_Male", "day_Sun"])
    assert not at.exception and not at.error
    assert at.checkbox(key="onehot").value is True
    options = set(at.multiselect(key="feats").options)
    assert {"sex_Male", "smoker_Yes", "day_Sat", "day_Sun", "day_Thur", "time_Lunch"} <= options
    assert at.multiselect(key="feats").value == ["total_bill", "sex_Male", "day_Sun"]
    assert "'Female' is the baseline" in notes(at)
    assert metric(at, "‖w‖ (standardised units)") == "0"


def test_without_one_hot_tips_keeps_todays_columns():
    """The default (off) leaves the text columns out, as every existing link expects."""
    at = open_page(PAGE)
    assert at.checkbox(key="onehot").value is False
    assert "sex_Male" not in at.multiselect(key="feats").options
    assert "onehot" not in at.query_params


def chart_traces(at: AppTest) -> list[list[str]]:
    """The trace names of every plotly chart on the page (from the chart's JSON spec)."""
    return [[trace.get("name") for trace in chart.spec["data"]] for chart in page_charts(at)]


def test_a_race_shows_three_paths_and_the_optimum():
    """race=adam&race=momentum: one loss chart with three lines, one contour with three paths
    and the reference optimum, and a sentence naming each optimizer's end."""
    at = open_page(PAGE, loss="huber", race=["adam", "momentum"])
    assert not at.exception and not at.error
    names = ["gradient descent", "Adam", "momentum (heavy ball)"]
    traces = chart_traces(at)
    assert names in traces
    assert ["log10 loss", *names, "reference optimum"] in traces
    assert "Race: gradient descent vs Adam vs momentum (heavy ball)" in [h.value for h in at.header]
    sentence = next(c.value for c in at.caption if c.value.startswith("Loss against step."))
    assert all(f"{name}: from" in sentence for name in names)


def test_a_race_of_more_than_three_is_cut_with_a_note():
    """Three rivals in a link: the first two are raced, and a note says so."""
    at = open_page(PAGE, race=["adam", "momentum", "nesterov"])
    assert not at.exception
    assert at.multiselect(key="race").value == ["adam", "momentum"]
    assert "at most 2" in notes(at)


def test_removing_a_race_entry_after_stepping_keeps_the_step_and_the_page():
    """Race Adam and SGD, step forward three times, remove SGD: two lines, step 3 kept."""
    at = open_page(PAGE, race=["adam", "sgd"])
    for _ in range(3):
        at.button(key="k_forward").click().run()
    assert metric(at, "step k").startswith("3 of")
    at.query_params.update({"k": "3"})
    at.multiselect(key="race").set_value(["adam"]).run()
    assert not at.exception and not at.error
    assert metric(at, "step k").startswith("3 of")
    assert ["gradient descent", "Adam"] in chart_traces(at)
    assert at.query_params["race"] in ("adam", ["adam"])


def test_a_large_table_opens_the_mae_with_sgd_and_bounds_a_long_run():
    """Generated 200,000 x 10, MAE, 100,000 steps: SGD by default (SGD_DEFAULT_ROWS), the run
    cut to MAX_RUN_VALUES with a note, and no MAE reference above MAE_REFERENCE_VALUES."""
    at = open_page(PAGE, src="generate", n="200000", d="10", loss="mae", steps="100000")
    assert not at.exception and not at.error
    assert at.selectbox(key="opt").value == "sgd" and "opt" not in at.query_params
    # A mini-batch step reads its batch and records its iterate on EVALUATION_ROWS rows.
    most = engines.MAX_RUN_VALUES // ((32 + EVALUATION_ROWS) * 11)
    assert f"this run stops at {most:,} steps" in notes(at)
    assert metric(at, "step k") == f"0 of {most}"
    assert (f"up to {regression_build.MAE_REFERENCE_VALUES // 11:,} rows with 10 feature(s)"
            in tab_texts(at, "check"))
    assert f"measured on {EVALUATION_ROWS:,} evenly spaced rows of the 200,000" in all_text(at)
    # Full-batch GD on the same table reads every row per step: a much shorter run.
    at = open_page(PAGE, src="generate", n="200000", d="10", loss="mae", steps="100000", opt="gd")
    most = engines.MAX_RUN_VALUES // (200_000 * 11)
    assert metric(at, "step k") == f"0 of {most}"
    assert "evenly spaced rows" not in all_text(at)


def test_the_mse_keeps_gradient_descent_on_a_large_table():
    """The MSE's steps do not read the rows, so its default stays gd at any size."""
    at = open_page(PAGE, src="generate", n="200000")
    assert at.selectbox(key="opt").value == "gd"


def test_the_race_says_a_shared_explanation_once():
    """Stop messages that end alike: each racer keeps its own numbers, the ending is said once."""
    heads, shared = race.split_shared_ending([
        "Stopped at the step limit (200 steps); the gradient norm is 0.00523. The MAE's "
        "subgradient is a sum of ±1 terms. With a constant step the iterates keep jumping.",
        "Stopped at the step limit (200 steps); the gradient norm is 0.0153. The MAE's "
        "subgradient is a sum of ±1 terms. With a constant step the iterates keep jumping."])
    assert heads == ["Stopped at the step limit (200 steps); the gradient norm is 0.00523.",
                     "Stopped at the step limit (200 steps); the gradient norm is 0.0153."]
    assert shared == ("The MAE's subgradient is a sum of ±1 terms. With a constant step the "
                      "iterates keep jumping.")
    assert race.split_shared_ending(["Converged.", "Diverged. Choose less."]) == \
        (["Converged.", "Diverged. Choose less."], "")
    at = open_page(PAGE, loss="mae", opt="momentum", race=["adam", "gd"])
    captions = [shown(c.value) for c in at.caption]
    assert sum("sum of ±1 terms" in c for c in captions) == 1  # said once for the three racers


def test_the_introduction_and_the_rate_note_follow_the_chosen_loss():
    """The article's MSE introduction by default; the MAE's subgradient formula and the
    Huber loss's once chosen (never the MSE's formula under another loss), each with what
    limits its learning rate; back to the MSE restores the article's text."""
    def formulas(at):
        return "\n".join(str(e.value) for e in at.latex)

    at = open_page(PAGE)
    assert "lowers the mean squared error" in all_text(at)
    assert r"\frac2N\sum_{i=1}^N r_i" in formulas(at)
    assert "Largest stable learning rate for this data" in all_text(at)
    at.selectbox(key="loss").set_value("mae").run()
    text = all_text(at)
    assert not at.exception and "lowers the mean squared error" not in text
    assert "mean absolute error" in text and "sign(0) = 0" in text
    assert r"\rho'(r_i) = \operatorname{sign}(r_i)" in formulas(at)
    assert r"\frac2N\sum_{i=1}^N r_i" not in formulas(at)
    assert "no curvature to limit the step" in text
    at.selectbox(key="loss").set_value("huber").run()
    text = all_text(at)
    assert "Huber loss" in text and r"\operatorname{clip}(r_i, -\delta, \delta)" in formulas(at)
    assert "stable up to at least 2/λmax" in text
    at.selectbox(key="opt").set_value("adam").run()
    assert "Adam has limits of its own" in all_text(at)
    at.selectbox(key="loss").set_value("mse").run()
    assert "lowers the mean squared error" in all_text(at)
    assert r"\frac2N\sum_{i=1}^N r_i" in formulas(at)


def test_the_step_survives_a_change_of_run_length():
    """At step 50, a 30-step run moves the student to its last step (30); a longer run again
    keeps them at 30 instead of sending them back to 0 (the slider's range changes, and with
    it Streamlit's widget: the step is carried over through session state)."""
    at = open_page(PAGE)
    at.slider(key="k").set_value(50).run()
    assert at.slider(key="k").value == 50
    at.number_input(key="steps").set_value(30).run()
    assert not at.exception and at.slider(key="k").value == 30 and at.slider(key="k").max == 30
    assert metric(at, "step k") == "30 of 30"
    at.number_input(key="steps").set_value(300).run()
    assert not at.exception and at.slider(key="k").value == 30 and at.slider(key="k").max > 30
    assert metric(at, "step k").startswith("30 of ")


def test_a_20000_row_table_gets_the_maes_reference_check():
    """20,000 rows x 1 feature is within MAE_REFERENCE_VALUES (the LP's dual solves it in
    well under a second): the run is checked against the MAE's optimum, no stand-in."""
    at = open_page(PAGE, src="generate", n="20000", d="1", loss="mae", sched="1/sqrt(k)",
                   tab="check")
    assert not at.exception and not at.error
    text = all_text(at)
    assert "no check against it" not in text
    assert "loss than the reference" in text or "reaches the reference's loss" in text
    assert "median regression as a linear programme solved by HiGHS" in text


def test_the_data_download_is_the_table_the_script_repeats_the_run_on(monkeypatch, tmp_path):
    """Generated data (300 x 2), Huber + Adam: "Download the data (CSV)" gives generated.csv,
    the exact table (every float round-trips), and the downloaded script run on it prints the
    (w, b) gradcore computes, with no data warning. Bundled tips gives data/tips.csv itself; a
    million-row table is too large to download and says so."""
    offered = deferred_downloads(monkeypatch)
    at = open_page(PAGE, src="generate", n="300", d="2", loss="huber", opt="adam", lr="0.05",
                   steps="120")
    assert not at.exception and "Download the data (CSV)" in [
        button.label for button in at.get("download_button")]
    table = next(data() for data, names in offered if "generated.csv" in names)
    script = next(data() for data, names in offered if "gradient_descent_generated.py" in names)
    (tmp_path / "generated.csv").write_bytes(table)
    (tmp_path / "run.py").write_text(script, encoding="utf-8")
    frame = pd.read_csv(tmp_path / "generated.csv")
    result = subprocess.run([sys.executable, "run.py", "generated.csv"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    X, y = frame[["x1", "x2"]].to_numpy(), frame["y"].to_numpy()
    scaler = Standardizer.fit(X)
    w, b = scaler.to_original(*fit(scaler.transform(X), y, loss="huber", optimizer="adam",
                                   learning_rate=0.05, steps=120).final)
    np.testing.assert_allclose(np.append(printed["w"], printed["b"]), np.append(w, b),
                               rtol=1e-9, atol=1e-9)

    offered.clear()
    at = open_page(PAGE)
    tips = next(data() for data, names in offered if "tips.csv" in names)
    assert tips == (DATA_DIR / "tips.csv").read_bytes()
    at = open_page(PAGE, src="generate", n="1000000", d="10")
    assert "too large to download here" in all_text(at)
    assert "Download the data (CSV)" not in [b.label for b in at.get("download_button")]


def test_the_page_draws_one_introduction_whatever_stops_it():
    """One introduction on every path: the MAE's once chosen (never the article's as well),
    the article's on a page that stops before the loss box (waiting for an upload), and the
    link's loss there when the link names one."""
    at = open_page(PAGE, loss="mae")
    intros = [m for m in at.markdown if "A linear model predicts" in m.value]
    assert len(intros) == 1 and "mean absolute error" in intros[0].value
    at = open_page(PAGE, src="upload")
    intros = [m for m in at.markdown if "A linear model predicts" in m.value]
    assert len(intros) == 1 and "lowers the mean squared error" in intros[0].value
    at = open_page(PAGE, src="upload", loss="huber")
    intros = [m for m in at.markdown if "A linear model predicts" in m.value]
    assert len(intros) == 1 and "Huber loss" in intros[0].value


def test_race_says_tie_when_the_ends_agree_to_the_shown_digits():
    """Three optimizers ending at the same loss to 4 digits tie; a clear winner is named."""
    from ui.regression.race_figures import race_verdict

    names = ["gradient descent", "Adam", "momentum (heavy ball)"]
    level = [np.array([1.0, 0.042071]), np.array([1.0, 0.042069]), np.array([1.0, 0.0420712])]
    assert race_verdict(level, names) == "A tie: all end at 0.04207 (to the 4 digits shown)."
    two = [np.array([1.0, 0.5]), np.array([1.0, 0.042071]), np.array([1.0, 0.042069])]
    assert race_verdict(two, names) == ("A tie for the lowest: Adam and momentum (heavy ball) "
                                        "end at 0.04207 (to the 4 digits shown).")
    clear = [np.array([1.0, 0.5]), np.array([1.0, 0.04]), np.array([1.0, 0.3])]
    assert race_verdict(clear, names) == "Lowest at the end: Adam."


def test_race_loss_axis_can_be_logarithmic():
    """racelog=true draws the race's loss chart on a log axis (the link keeps it)."""
    at = open_page(PAGE, loss="huber", race=["adam"], racelog="true")
    assert at.toggle(key="racelog").value is True
    specs = [chart.spec for chart in page_charts(at)]
    race = next(spec for spec in specs
                if [t.get("name") for t in spec["data"]] == ["gradient descent", "Adam"])
    assert race["layout"]["yaxis"]["type"] == "log"


def test_a_run_far_from_its_optimum_says_what_would_help_and_starts_at_the_centre():
    """Target far from 0 (true b = 500), MAE + Adam, 200 steps from b₀ = 0: the run ends far
    above the optimum and the page says what would help; the b₀ = median button starts the
    next run at the median of y, and that run ends near the optimum (no hint)."""
    at = open_page(PAGE, src="generate", tb="500", loss="mae", opt="adam")
    hints = [i.value for i in at.info if "What would help" in i.value]
    assert hints and "a start nearer the data (b₀ = median of y" in hints[0]
    assert "more steps" in hints[0] and "a larger learning rate" in hints[0]
    at.button(key="b0_centre").click().run()
    assert not at.exception
    median = float(at.number_input(key="b0").value)
    assert 480 < median < 520
    assert not [i.value for i in at.info if "What would help" in i.value]


def test_no_far_hint_for_a_run_that_reaches_its_optimum():
    """The article's default run converges or gets close: no hint."""
    at = open_page(PAGE)
    assert not [i.value for i in at.info if "What would help" in i.value]
