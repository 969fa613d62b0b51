"""ui.regression.engine: the exported script repeats the page's run; the update is read from
the trajectory; script names."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gradcore import RunSettings, load_bundled
from ui.regression import cache as cache
from ui.regression import engine as engines
from ui.regression import export as export
from ui.regression.data import build_loaded_data

SCRIPT_RTOL = 1e-6
ENGINES = [
    RunSettings(),
    RunSettings.of({"momentum": 0.8}, loss="mae", optimizer="momentum", schedule="1/sqrt(k)"),
    RunSettings.of({"huber_delta": 0.5, "beta2": 0.99}, loss="huber", optimizer="adam"),
    RunSettings.of({"batch_size": 16, "seed": 3}, optimizer="sgd"),
    RunSettings(loss="mae", optimizer="nesterov"),
]


@pytest.fixture(scope="module")
def tips_csv(tmp_path_factory):
    """The first 60 rows of tips (text columns included) as a CSV file."""
    path = tmp_path_factory.mktemp("data") / "tips60.csv"
    load_bundled("tips").head(60).to_csv(path, index=False)
    return path


def tips_problem(path, standardise=True):
    frame = pd.read_csv(path)[["total_bill", "size", "tip"]]
    data = build_loaded_data(frame, "tips60", "tip", ("total_bill", "size"))
    return cache.prepare(data, "tip", ("total_bill", "size"), standardise)


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: f"{e.loss}-{e.optimizer}")
@pytest.mark.parametrize("standardise", [True, False])
def test_the_exported_script_prints_the_pages_last_iterate(tips_csv, engine, standardise):
    """python script.py data.csv prints the run's last (w, b) in original units, within 1e-6."""
    problem = tips_problem(tips_csv, standardise)
    run = cache.descend(problem, replace(engine, learning_rate=0.01 if not standardise else 0.1, steps=120, w0=0.0, b0=0.0))
    script = tips_csv.parent / f"run_{engine.loss}_{engine.optimizer}_{standardise}.py"
    script.write_text(export.run_script(problem, run))
    result = subprocess.run([sys.executable, str(script), str(tips_csv)], capture_output=True,
                            text=True, timeout=120, check=True)
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(printed["w"], run.coef[-1], rtol=SCRIPT_RTOL, atol=1e-12)
    np.testing.assert_allclose(printed["b"], run.intercept[-1], rtol=SCRIPT_RTOL, atol=1e-12)


def test_the_update_table_is_the_trajectorys_record(tips_csv):
    """Every number of the update at step k comes from the FitTrajectory's fields."""
    problem = tips_problem(tips_csv)
    run = cache.descend(problem, replace(RunSettings(optimizer="adam"), learning_rate=0.1, steps=30, w0=0.0, b0=0.0))
    t = run.trajectory
    frame = engines.update_frame(problem, run, 4, "standardised units")
    np.testing.assert_array_equal(frame["value at step 5"], np.append(t.w[5], t.b[5]))
    np.testing.assert_array_equal(frame["gradient the step used"],
                                  np.append(t.step_grad_w[4], t.step_grad_b[4]))
    np.testing.assert_array_equal(frame["m after the step"], t.state["m"][5])
    assert engines.update_frame(problem, run, t.steps_taken, "units") is None
    assert t.message in engines.update_sentence(run, t.steps_taken)


@pytest.mark.parametrize("source, name", [
    (("bundled", "tips"), "gradient_descent_tips.py"),
    (("generated", 200, 1, 1.0, 0, 2.0, 1.0), "gradient_descent_generated.py"),
    (("upload", "abc"), "gradient_descent_upload.py"),
])
def test_script_names_follow_the_data_source(source, name):
    """The download is named gradient_descent_<dataset>.py."""
    assert export.script_name(source) == name


def test_the_script_encodes_text_columns_like_the_page(tmp_path):
    """Tips with one-hot columns: the script run on the raw tips.csv prints the page's result."""
    data = cache.bundled_data("tips", True)
    problem = cache.prepare(data, "tip", ("total_bill", "sex_Male", "day_Sun", "smoker_Yes"),
                            True)
    run = cache.descend(problem, replace(RunSettings(optimizer="momentum"), learning_rate=0.1, steps=80, w0=0.0, b0=0.0))
    script = tmp_path / "tips_onehot.py"
    script.write_text(export.run_script(problem, run))
    csv = Path(__file__).parent.parent / "data" / "tips.csv"
    result = subprocess.run([sys.executable, str(script), str(csv)], capture_output=True,
                            text=True, timeout=120, check=True)
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(printed["w"], run.coef[-1], rtol=SCRIPT_RTOL, atol=1e-12)
    np.testing.assert_allclose(printed["b"], run.intercept[-1], rtol=SCRIPT_RTOL, atol=1e-12)
