"""Issue 25's proof: an optimizer and a loss, each with a hyper-parameter of its own, added at
run time as one row each (no edit in ui/ or pages/), work everywhere: ``fit`` follows the
hand-written recursion, ``reference_fit`` uses the row's reference, the exported script
repeats the run, and the regression page shows their controls, reads them from the address
and races them."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize

from gradcore import DataError, HyperParameter, RunSettings, Standardizer, loss_value
from gradcore.regression.engine import fit
from gradcore.regression.export import export_script
from gradcore.regression.losses import LOSS_TABLE, Loss, loss_gradient, reference_fit
from gradcore.regression.optimizers import OPTIMIZER_TABLE, Optimizer
from tests.page_helpers import metrics, notes, open_page

RHO = HyperParameter("rho", "decay ρ (RMSProp)", 0.9, 0.0, 1.0, step=0.05)
SCALE_C = HyperParameter("c", "scale c (pseudo-Huber)", 1.0, 1e-3, 1e3, step=0.1)
EPS = 1e-8


def rmsprop_step(theta, g, state, rate, k, settings):
    """v <- rho v + (1 - rho) g^2; theta <- theta - rate g / (sqrt(v) + 1e-8)."""
    v = state["v"]
    v *= settings["rho"]
    v += (1.0 - settings["rho"]) * g * g
    theta -= rate * g / (np.sqrt(v) + 1e-8)


def pseudo_huber_derivative(r, settings, out=None):
    """rho'(r) = r / sqrt(1 + (r / c)^2)."""
    c = settings["c"]
    return np.divide(r, np.sqrt(1.0 + (r / c) ** 2), out=out)


def pseudo_huber_total(r, p, settings):
    """sum_i c^2 (sqrt(1 + (r_i / c)^2) - 1), per row of a 2-D r."""
    c = settings["c"]
    return np.sum(c * c * (np.sqrt(1.0 + (r / c) ** 2) - 1.0), axis=-1)


REFERENCE_CALLS = []


def pseudo_huber_reference(Z, y, settings):
    """BFGS on the exact objective from (0, mean y): a method independent of the engine."""
    REFERENCE_CALLS.append(settings["c"])
    c = settings["c"]

    def objective(theta):
        r = Z @ theta[:-1] + theta[-1] - y
        root = np.sqrt(1.0 + (r / c) ** 2)
        return float(np.mean(c * c * (root - 1.0))), np.append(Z.T @ (r / root), np.sum(r / root)) / len(y)

    start = np.append(np.zeros(Z.shape[1]), y.mean())
    result = minimize(objective, start, jac=True, method="BFGS", options={"gtol": 1e-12})
    return result.x[:-1], float(result.x[-1])


RMSPROP = Optimizer("rmsprop", "RMSProp", rmsprop_step, state=("v",), hyper_parameters=(RHO,),
                    formula=r"v_k = \rho v_{k-1} + (1-\rho) g^2")
PSEUDO_HUBER = Loss("pseudohuber", "pseudo-Huber loss", pseudo_huber_derivative,
                    pseudo_huber_total, pseudo_huber_reference,
                    r"L = \frac1N\sum_i c^2\big(\sqrt{1 + (r_i/c)^2} - 1\big)",
                    "BFGS on the exact objective", (SCALE_C,),
                    r"\frac{r_i}{\sqrt{1 + (r_i/c)^2}}")


@pytest.fixture
def rows(monkeypatch):
    """The two rows, in the tables for this test only."""
    monkeypatch.setitem(OPTIMIZER_TABLE, "rmsprop", RMSPROP)
    monkeypatch.setitem(LOSS_TABLE, "pseudohuber", PSEUDO_HUBER)
    REFERENCE_CALLS.clear()


def data(seed=5, n=150, d=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * [3.0, 0.5][:d] + [10.0, -2.0][:d]
    y = 1.5 + X @ [0.7, -2.0][:d] + rng.standard_t(2, size=n)
    return X, y


def by_hand(Z, y, rate, steps, rho, c):
    """RMSProp on the pseudo-Huber loss, written out: the iterates (steps + 1, d + 1)."""
    theta, v = np.zeros(Z.shape[1] + 1), np.zeros(Z.shape[1] + 1)
    path = [theta.copy()]
    for _ in range(steps):
        r = Z @ theta[:-1] + theta[-1] - y
        p = r / np.sqrt(1.0 + (r / c) ** 2)
        g = np.append(Z.T @ p, p.sum()) / len(y)
        v = rho * v + (1.0 - rho) * g * g
        theta = theta - rate * g / (np.sqrt(v) + EPS)
        path.append(theta.copy())
    return np.array(path)


def test_fit_follows_the_hand_written_recursion(rows):
    """Every step is the hand-written one from the recorded iterate and state (to rounding);
    the whole path stays within 1e-5 of the hand-written run (RMSProp divides by the
    gradient's size, so rounding differences in tiny gradients grow over many steps)."""
    X, y = data()
    Z = Standardizer.fit(X).transform(X)
    t = fit(Z, y, loss="pseudohuber", optimizer="rmsprop", learning_rate=0.05, steps=120,
            rho=0.8, c=2.0)
    assert t.stop_reason == "max_steps" and t.steps_taken == 120
    assert t.settings["rho"] == 0.8 and t.settings["c"] == 2.0
    path = np.column_stack([t.w, t.b])
    v_path = t.state["v"]
    assert v_path.shape == (121, 3)
    for k in range(120):
        theta, v = path[k], v_path[k]
        r = Z @ theta[:-1] + theta[-1] - y
        p = r / np.sqrt(1.0 + (r / 2.0) ** 2)
        g = np.append(Z.T @ p, p.sum()) / len(y)
        v_next = 0.8 * v + 0.2 * g * g
        assert_allclose(v_path[k + 1], v_next, rtol=1e-9, atol=1e-20)
        assert_allclose(path[k + 1], theta - 0.05 * g / (np.sqrt(v_next) + EPS),
                        rtol=1e-9, atol=1e-12)
    assert_allclose(path, by_hand(Z, y, 0.05, 120, 0.8, 2.0), rtol=1e-5, atol=1e-8)
    g_w, g_b = loss_gradient(Z, y, t.w[50], t.b[50], "pseudohuber", c=2.0)
    # Each component is a sum of 150 terms: to rounding of the gradient's largest component
    # (a near-zero component cancels, and BLAS kernels differ between machines in the last bit).
    recorded, recomputed = np.append(t.grad_w[50], t.grad_b[50]), np.append(g_w, g_b)
    assert_allclose(recorded, recomputed, rtol=1e-12, atol=1e-12 * np.abs(recomputed).max())


def test_fit_checks_the_new_settings_against_their_rows(rows):
    X, y = data()
    with pytest.raises(DataError, match="rho must be a number from 0 to below 1"):
        fit(X, y, optimizer="rmsprop", rho=1.0)
    with pytest.raises(DataError, match="c must be"):
        fit(X, y, loss="pseudohuber", c=0.0)
    # Settings of rows not chosen are ignored; unknown names are refused.
    plain = fit(X, y, steps=5, rho=1.0, c=-1.0)
    assert "rho" not in plain.settings
    with pytest.raises(DataError, match="Unknown setting"):
        fit(X, y, optimizer="rmsprop", rhoo=0.5)


def test_reference_fit_uses_the_rows_reference(rows):
    X, y = data()
    w, b = reference_fit(X, y, "pseudohuber", c=2.0)
    assert REFERENCE_CALLS == [2.0]  # no rescale declared: solved on y as it is
    g_w, g_b = loss_gradient(X, y, w, b, "pseudohuber", c=2.0)
    assert np.linalg.norm(np.append(g_w, g_b)) < 1e-7
    # Every other point nearby is worse: it is the optimum of this loss, not least squares'.
    best = loss_value(X, y, w, b, "pseudohuber", c=2.0)
    for delta in np.eye(3) * 1e-3:
        assert loss_value(X, y, w + delta[:2], b + delta[2], "pseudohuber", c=2.0) > best
    least_squares = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    assert np.linalg.norm(least_squares[:2] - w) > 1e-3


def test_the_exported_script_repeats_the_run(rows, tmp_path):
    X, y = data()
    kwargs = {"loss": "pseudohuber", "optimizer": "rmsprop", "learning_rate": 0.05,
              "steps": 150, "rho": 0.8, "c": 2.0}
    scaler = Standardizer.fit(X)
    t = fit(scaler.transform(X), y, **kwargs)
    script = export_script("y", ["a", "b"], **kwargs)
    assert "def rmsprop_step" in script and "def pseudo_huber_derivative" in script
    (tmp_path / "run.py").write_text(script, encoding="utf-8")
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y}).to_csv(tmp_path / "data.csv", index=False)
    result = subprocess.run([sys.executable, "run.py", "data.csv", "--check"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    printed = json.loads(lines[-1])
    w, b = scaler.to_original(*t.final)
    assert_allclose(np.append(printed["w"], printed["b"]), np.append(w, b), rtol=1e-9)
    # --check names this loss's own reference, not another loss's sentence.
    assert "pseudo-Huber loss" in lines[0] and "BFGS on the exact objective" in lines[0]


def test_the_page_shows_reads_and_races_the_new_rows(rows):
    at = open_page("linear-regression", src="generate", n="200", d="1", seed="2",
                   loss="pseudohuber", opt="rmsprop", rho="0.7", c="1.5", lr="0.05",
                   steps="80", race="gd", k="80")
    assert not at.exception and not at.error
    inputs = {number.label: number.value for number in at.number_input}
    assert inputs["decay ρ (RMSProp)"] == pytest.approx(0.7)
    assert inputs["scale c (pseudo-Huber)"] == pytest.approx(1.5)
    assert at.selectbox(key="loss").value == "pseudohuber"
    assert at.selectbox(key="opt").value == "rmsprop"
    headers = " ".join(h.value for h in at.header)
    assert "Race: RMSProp vs gradient descent" in headers
    # The page's numbers are fit's with these settings.
    from ui.regression import cache as cache

    settings = RunSettings.of({"rho": 0.7, "c": 1.5}, loss="pseudohuber", optimizer="rmsprop",
                              learning_rate=0.05, steps=80)
    problem = cache.prepare(cache.generated_data(200, 1, 1.0, 2, 2.0, 1.0), "y", ("x1",), True)
    run = cache.descend(problem, settings)
    shown = metrics(at)
    assert float(shown["loss L(w, b)"]) == pytest.approx(run.trajectory.loss[80], rel=1e-5)
    # The loss's introduction is its own, not the MSE's.
    assert any("pseudo-Huber loss" in m.value for m in at.markdown)


def test_a_new_setting_out_of_range_in_the_address_gets_the_default_and_a_note(rows):
    at = open_page("linear-regression", loss="pseudohuber", opt="rmsprop", rho="1.5", c="abc")
    assert not at.exception and not at.error
    inputs = {number.label: number.value for number in at.number_input}
    assert inputs["decay ρ (RMSProp)"] == pytest.approx(RHO.default)
    assert inputs["scale c (pseudo-Huber)"] == pytest.approx(SCALE_C.default)
    text = notes(at)
    assert "rho=1.5 in the link is not usable" in text and "0.999999)" in text
    assert "c=abc in the link is not usable" in text
