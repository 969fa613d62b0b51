"""Gradients at the rounding level are taken as 0, so runs repeat wherever sums round otherwise.

At w = 0 on standardised columns every residual of a positive target has the same sign, so the
MAE's (and the clipped Huber's) dL/dw_j = -mean(z_j) is rounding noise (~1e-16). Adam divides
by the gradient's size and turned that noise into a full step whose direction depended on how
the sum happened to be rounded: the page and its exported script disagreed (issue 26, item 4).
"""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from gradcore import Standardizer
from gradcore.regression.engine import fit
from gradcore.regression.export import export_script
from gradcore.regression.losses import LOSS_TABLE, LOSSES
from gradcore.regression.optimizers import OPTIMIZERS
from gradcore.regression.stopping import without_rounding_noise

EPS = np.finfo(float).eps


def positive_target_table(seed=3, n=178, d=5):
    """Features on unlike scales and a target far from 0, like scikit-learn's wine table."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * [1, 10, 0.1, 100, 3] + [13, 100, 0.5, 750, 20]
    y = 12.0 + X @ [0.3, 0.01, -2.0, 0.001, 0.05] + rng.standard_t(3, size=n) * 0.4
    return X, y


def test_noise_floor_zeroes_only_what_rounding_can_make():
    """A component at or below rows x eps x derivative bound x column rms becomes 0; one above
    stays exactly as it was."""
    g = np.array([1e-16, -3e-14, 5e-10, 0.0, 2.0, -4e-14])
    assert 3e-14 < 178 * EPS < 4e-14  # the floor for 178 rows, |rho'| <= 1, unit columns
    kept = without_rounding_noise(g, 178, 1.0, np.ones(6))
    assert kept.tolist() == [0.0, 0.0, 5e-10, 0.0, 2.0, -4e-14]


@pytest.mark.parametrize(("loss", "value", "delta", "bound"), [
    ("mse", 4.0, 1.0, 4.0), ("mae", 123.0, 1.0, 1.0), ("huber", 9.0, 0.25, 0.25)])
def test_derivative_bound_per_loss(loss, value, delta, bound):
    """sqrt(mean rho'^2) is at most 2 sqrt(L) (MSE), 1 (MAE), delta (Huber)."""
    row = LOSS_TABLE[loss]
    settings = {"huber_delta": delta} if row.hyper_parameters else {}
    assert row.rounding(value, settings) == pytest.approx(bound, rel=1e-15)


def test_the_mae_gradient_at_w0_is_noise_and_the_step_ignores_it():
    """On standardised columns and a positive target the MAE's dL/dw at w = 0 is ~1e-16; the
    step fit records uses 0 there, while the shown gradient keeps what was computed."""
    X, y = positive_target_table()
    Z = Standardizer.fit(X).transform(X)
    run = fit(Z, y, loss="mae", optimizer="adam", steps=3)
    assert np.abs(run.grad_w[0]).max() < 1e-13
    assert np.all(run.step_grad_w[0] == 0.0)
    assert run.step_grad_b[0] == pytest.approx(-1.0, rel=1e-12)


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_a_run_does_not_depend_on_how_the_columns_were_rounded(loss):
    """Moving half the entries of Z by one unit in the last place (another parser or another
    order of the standardising arithmetic) leaves an Adam run the same to 1e-9 while b is still
    outside the data (every residual of one sign); before the floor it moved by 1e-5 - 1e-3."""
    X, y = positive_target_table()
    Z = Standardizer.fit(X).transform(X)
    rng = np.random.default_rng(0)
    nudged = np.where(rng.random(Z.shape) < 0.5, np.nextafter(Z, np.inf), Z)
    settings = {"loss": loss, "optimizer": "adam", "schedule": "1/sqrt(k)",
                "learning_rate": 0.05, "steps": 400}
    first, second = fit(Z, y, **settings), fit(nudged, y, **settings)
    assert first.b[-1] < y.min()  # the regime where every sign(r_i) is the same
    assert_allclose(second.w, first.w, rtol=0, atol=1e-9)
    assert_allclose(second.b, first.b, rtol=1e-12)


DRIVER = """
import contextlib, io, json, runpy, sys
data, names = sys.argv[1], sys.argv[2:]
results = {}
for name in names:
    sys.argv = [name, data]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        runpy.run_path(name, run_name="__main__")
    results[name] = json.loads(out.getvalue().strip().splitlines()[-1])
print(json.dumps(results))
"""


def test_exported_scripts_repeat_every_loss_and_optimizer(tmp_path):
    """Every loss x optimizer, Adam's first steps included, on standardised columns of a
    positive-target table: the exported script prints fit's (w, b) to 1e-6 relative."""
    X, y = positive_target_table()
    names = ["alcohol", "malic", "ash", "magnesium", "hue"]
    frame = pd.DataFrame(X, columns=names).assign(target=y)
    frame.to_csv(tmp_path / "table.csv", index=False)
    X = pd.read_csv(tmp_path / "table.csv")[names].to_numpy(float)
    scaler = Standardizer.fit(X)
    expected, scripts = {}, []
    for loss in LOSSES:
        for optimizer in OPTIMIZERS:
            settings = {"loss": loss, "optimizer": optimizer, "schedule": "1/sqrt(k)",
                        "learning_rate": 0.1, "steps": 1500, "batch_size": 16, "seed": 4}
            run = fit(scaler.transform(X), y, **settings)
            w, b = scaler.to_original(*run.final)
            script = tmp_path / f"{loss}_{optimizer}.py"
            script.write_text(export_script("target", names, **settings), encoding="utf-8")
            scripts.append(script.name)
            expected[script.name] = np.append(w, b)
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    result = subprocess.run([sys.executable, "driver.py", "table.csv", *scripts], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    for name, theta in expected.items():
        got = np.append(printed[name]["w"], printed[name]["b"])
        assert np.linalg.norm(got - theta) <= 1e-6 * np.linalg.norm(theta), name
