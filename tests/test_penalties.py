"""Penalties (issue 29): the rows, fit's objective and stop test, the proximal optimizer,
the references (scikit-learn's rescaled alphas), the regularisation path and the export."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from gradcore import PENALTY_TABLE, DataError, RunSettings, export_script, fit, reference_fit
from gradcore.regression.losses import LOSS_TABLE, loss_value, value_and_gradient
from gradcore.regression.penalties import l1_minimum_norm, l1_prox
from gradcore.regression.reference import (
    largest_alpha,
    mae_l2_active_set,
    mae_l2_brent,
    regularization_path,
)
from gradcore.regression.standardize import Standardizer

# Optimality conditions of a reference are checked to this absolute size of the gradient
# (the data are standardised-scale, the solvers stop at gaps around 1e-12).
KKT_ATOL = 1e-7


def hidden_style(seed=7, n=120, d=4):
    """Columns of very different scales and offsets, a sparse truth and heavy-tailed noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.array([1.0, 50.0, 0.02, 3.0])[:d] + np.array(
        [0.0, 400.0, -1.0, 2.0])[:d]
    truth = np.array([1.5, 0.0, -40.0, 0.01])[:d]
    y = X @ truth + 0.7 * rng.standard_t(4, size=n) + 3.0
    return X, y


def columns(X, standardize):
    """The columns a run penalises and the map of their weights back to original units."""
    if not standardize:
        return X, Standardizer(np.zeros(X.shape[1]), np.ones(X.shape[1]),
                               np.zeros(X.shape[1], dtype=bool))
    scaler = Standardizer.fit(X)
    return scaler.transform(X), scaler


def objective(A, y, w, b, loss, penalty, alpha):
    return loss_value(A, y, w, b, loss) + float(PENALTY_TABLE[penalty].value(w, alpha, {}))


def test_l1_row_kink_prox_and_minimum_norm():
    """sign(0) = 0 (the midpoint of alpha [-1, 1]); soft-thresholding gives exact zeros; the
    minimum-norm subgradient is max(|g| - alpha, 0) at w_j = 0 and g + alpha sign(w) elsewhere."""
    row = PENALTY_TABLE["l1"]
    w = np.array([-2.0, 0.0, 0.3])
    assert_allclose(row.value(w, 0.5, {}), 1.15, rtol=1e-15)
    assert_allclose(row.gradient(w, 0.5, {}), [-0.5, 0.0, 0.5], rtol=0)
    shrunk = l1_prox(w, 1.0, 0.5, {})
    assert_allclose(shrunk, [-1.5, 0.0, 0.0], rtol=0)
    assert not np.signbit(shrunk[1:]).any()  # no -0.0
    g = np.array([0.1, -0.8, 0.2])
    assert_allclose(l1_minimum_norm(g, w, 0.5, {}), [-0.4, -0.3, 0.7], rtol=1e-15)
    assert_allclose(PENALTY_TABLE["l2"].prox(w, 0.5, 0.5, {}), w / 1.5, rtol=1e-15)


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_mse_reference_satisfies_this_objectives_optimality(penalty, standardize):
    """Ridge(N alpha) / Lasso(alpha / 2) give the optimum of 1/N ||r||^2 + P(w) on the columns
    the run penalises: grad L + 2 alpha w = 0 (l2); |dL/dw_j| <= alpha at zeros and
    dL/dw_j = -alpha sign(w_j) elsewhere (l1). A wrong rescaling fails this by far."""
    X, y = hidden_style()
    A, scaler = columns(X, standardize)
    alpha = 0.8 if standardize else 0.05
    w, b = scaler.from_original(*reference_fit(X, y, penalty=penalty, alpha=alpha,
                                               standardize=standardize))
    grad = value_and_gradient(A, y, w, b, LOSS_TABLE["mse"], {})[1]
    scale = 1.0 if standardize else np.abs(grad).max() + alpha
    assert abs(grad[-1]) <= KKT_ATOL * scale  # the bias is not penalised
    if penalty == "l2":
        assert_allclose(grad[:-1] + 2 * alpha * w, 0.0, atol=KKT_ATOL * scale)
    else:
        zero = w == 0
        assert zero.any() and not zero.all()
        assert (np.abs(grad[:-1][zero]) <= alpha * (1 + 1e-9)).all()
        assert_allclose(grad[:-1][~zero], -alpha * np.sign(w[~zero]), atol=KKT_ATOL * scale)


@pytest.mark.parametrize("penalty,optimizer", [("l2", "gd"), ("l1", "proximal")])
def test_converged_run_on_standardised_columns_meets_the_reference(penalty, optimizer):
    """A run on the standardised columns converges to reference_fit's optimum (rtol 1e-7)."""
    X, y = hidden_style()
    Z, scaler = columns(X, True)
    run = fit(Z, y, optimizer=optimizer, penalty=penalty, alpha=0.3, steps=5000,
              learning_rate=0.2, tol=1e-12)
    assert run.stop_reason == "converged"
    w, b = scaler.from_original(*reference_fit(X, y, penalty=penalty, alpha=0.3))
    assert_allclose(run.w[-1], w, rtol=1e-7, atol=1e-9)
    assert_allclose(run.b[-1], b, rtol=1e-9)


def test_proximal_gives_exact_zeros_and_the_subgradient_method_jitters():
    """Soft-thresholding lands on exact zeros where |dL/dw_j| <= alpha; the subgradient method
    (gd with alpha sign(w)) keeps jumping across 0 there and never converges."""
    X, y = hidden_style()
    Z, _ = columns(X, True)
    alpha, rate = 0.3, 0.1
    proximal = fit(Z, y, optimizer="proximal", penalty="l1", alpha=alpha, steps=3000,
                   learning_rate=rate)
    subgradient = fit(Z, y, optimizer="gd", penalty="l1", alpha=alpha, steps=3000,
                      learning_rate=rate)
    assert proximal.stop_reason == "converged" and subgradient.stop_reason == "max_steps"
    zero = proximal.w[-1] == 0
    assert zero.any()
    g = proximal.loss_grad_w[-1]
    assert (np.abs(g[zero]) <= alpha).all()
    assert_allclose(g[~zero], -alpha * np.sign(proximal.w[-1][~zero]), atol=1e-9)
    tail = subgradient.w[-200:, zero]
    assert (tail != 0).all()  # never exactly 0 ...
    assert (np.abs(tail) <= 2 * rate * alpha).all()  # ... but within a step of it
    assert (np.diff(np.sign(tail), axis=0) != 0).mean() > 0.3  # and it keeps changing sign
    assert proximal.loss[-1] <= subgradient.loss.min() + 1e-12


def test_objective_gradient_and_stop_test_of_a_penalised_run():
    """loss = data loss + alpha ||w||_1, grad_w = dL/dw + alpha sign(w), and a run started at
    the lasso's optimum stops there as converged (the minimum-norm subgradient is ~0) although
    the recorded midpoint subgradient is not."""
    X, y = hidden_style()
    Z, scaler = columns(X, True)
    w, b = scaler.from_original(*reference_fit(X, y, penalty="l1", alpha=0.3))
    run = fit(Z, y, optimizer="gd", penalty="l1", alpha=0.3, w0=w, b0=float(b), tol=1e-8)
    assert run.stop_reason == "converged" and run.steps_taken == 0
    assert run.grad_norm[0] > 1e-2 > run.subgradient_norm[0]
    later = fit(Z, y, optimizer="gd", penalty="l1", alpha=0.3, steps=20)
    assert_allclose(later.loss, later.data_loss + 0.3 * np.abs(later.w).sum(axis=1),
                    rtol=1e-13)
    assert_allclose(later.grad_w, later.loss_grad_w + 0.3 * np.sign(later.w), rtol=1e-13)
    assert later.penalty == "l1" and later.alpha == 0.3


def test_proximal_without_penalty_is_gradient_descent(rng):
    """penalty "none": the proximal optimizer's iterates are gd's (closed form) to 1e-10."""
    X = rng.normal(size=(80, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=80)
    gd = fit(X, y, optimizer="gd", steps=60, learning_rate=0.2)
    proximal = fit(X, y, optimizer="proximal", steps=60, learning_rate=0.2)
    assert_allclose(proximal.w, gd.w, rtol=1e-10, atol=1e-12)
    assert_allclose(proximal.loss, gd.loss, rtol=1e-10)


@pytest.mark.parametrize("kwargs,words", [
    ({"penalty": "lasso"}, "Unknown penalty 'lasso': choose one of none, l2, l1."),
    ({"penalty": "l1", "alpha": -0.1}, "alpha must be a number from 0 to below 1e+12"),
    ({"penalty": "l1", "alpha": float("nan")}, "alpha must be a number"),
    ({"penalty": "l2", "alpha": "big"}, "alpha must be a number"),
    ({"penalty": "l2", "alpha": 1e13}, "alpha must be a number from 0 to below 1e+12"),
])
def test_bad_penalty_settings_are_one_clear_sentence(kwargs, words):
    """An unknown penalty names the choices; an alpha out of range says what is allowed, in
    fit, RunSettings, reference_fit and export_script alike."""
    X, y = hidden_style(n=30)
    for call in (lambda: fit(X, y, **kwargs), lambda: RunSettings(**kwargs),
                 lambda: reference_fit(X, y, **kwargs),
                 lambda: export_script("t", ["a"], **kwargs)):
        with pytest.raises(DataError) as error:
            call()
        assert words in str(error.value)


def test_run_settings_round_trip():
    """RunSettings carries penalty and alpha into fit_kwargs, keeps them for the race's
    rivals, and equal settings are equal (cache keys)."""
    settings = RunSettings(optimizer="proximal", penalty="l1", alpha=0.25, steps=50)
    kwargs = settings.fit_kwargs()
    assert kwargs["penalty"] == "l1" and kwargs["alpha"] == 0.25
    rival = settings.with_optimizer("gd")
    assert (rival.penalty, rival.alpha, rival.optimizer) == ("l1", 0.25, "gd")
    assert not rival.is_article and RunSettings().is_article
    assert settings == RunSettings(optimizer="proximal", penalty="l1", alpha=0.25, steps=50)
    assert hash(settings) == hash(RunSettings.of({}, **{k: v for k, v in kwargs.items()
                                                     if k not in ("momentum",)}))
    X, y = hidden_style(n=60)
    Z, _ = columns(X, True)
    assert_allclose(fit(Z, y, **kwargs).w, fit(Z, y, optimizer="proximal", penalty="l1",
                                                alpha=0.25, steps=50).w, rtol=0)


@pytest.mark.parametrize("loss,penalty", [("mae", "l1"), ("mae", "l2"), ("huber", "l1"),
                                          ("huber", "l2")])
def test_other_losses_references_beat_every_nearby_point_and_long_runs(loss, penalty):
    """MAE + L1 (LP), MAE + L2 (QP), Huber (L-BFGS): the reference's objective is below that of
    any nearby perturbation and of a long proximal run (which comes within 1e-3 / 1e-6)."""
    X, y = hidden_style(n=80)
    Z, scaler = columns(X, True)
    alpha = 0.2
    w, b = scaler.from_original(*reference_fit(X, y, loss, penalty=penalty, alpha=alpha))
    best = objective(Z, y, w, b, loss, penalty, alpha)
    rng = np.random.default_rng(1)
    for _ in range(50):
        dw, db = 1e-5 * rng.normal(size=w.shape), 1e-5 * rng.normal()
        assert best <= objective(Z, y, w + dw, b + db, loss, penalty, alpha) + 1e-13
    run = fit(Z, y, loss=loss, optimizer="proximal", penalty=penalty, alpha=alpha, steps=4000,
              learning_rate=0.5, schedule="1/sqrt(k)" if loss == "mae" else "constant")
    assert best <= run.loss.min() + 1e-12
    # a decaying step approaches the MAE's kinked optimum slowly (gap 5e-5 after 4000 steps)
    assert run.loss.min() - best <= (1e-3 if loss == "mae" else 1e-6) * best


def test_mae_l2_solvers_agree():
    """The active-set solution of MAE + L2 (certified by its optimality conditions) and the
    slower dual route reach the same objective (rtol 1e-8)."""
    X, y = hidden_style(n=40)
    Z, _ = columns(X, True)
    yc = y - y.mean()
    found = mae_l2_active_set(Z, yc, 0.1)
    assert found is not None
    slow = mae_l2_brent(Z, yc, 0.1)
    assert_allclose(objective(Z, yc, *slow, "mae", "l2", 0.1),
                    objective(Z, yc, *found, "mae", "l2", 0.1), rtol=1e-8)


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("loss,penalty", [("mse", "l1"), ("mse", "l2"), ("huber", "l1"),
                                          ("mae", "l1")])
def test_path_matches_the_reference_at_each_alpha(loss, penalty, standardize):
    """regularization_path (warm-started) gives reference_fit's weights at every alpha, in
    the order given, alpha = 0 included (least squares / the unpenalised reference)."""
    X, y = hidden_style(n=60)
    alphas = np.array([0.3, 0.0, 1.0, 0.01]) * (1.0 if standardize else 0.05)
    path = regularization_path(X, y, alphas, loss, penalty, standardize=standardize)
    one_by_one = np.array([reference_fit(X, y, loss, penalty=penalty, alpha=a,
                                         standardize=standardize)[0] for a in alphas])
    scale = np.abs(one_by_one).max()
    assert path.shape == (4, X.shape[1])
    assert_allclose(path, one_by_one, rtol=0, atol=(1e-7 if loss != "mse" else 1e-9) * scale)


def run_script(tmp_path, script, X, y):
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "d": X[:, 3], "t": y})
    (tmp_path / "run.py").write_text(script, encoding="utf-8")
    frame.to_csv(tmp_path / "data.csv", index=False)
    result = subprocess.run([sys.executable, "run.py", "data.csv", "--check"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1]), json.loads(lines[-2].removeprefix("scikit-learn:"))


@pytest.mark.parametrize("kwargs", [
    {"optimizer": "proximal", "penalty": "l1", "alpha": 0.3, "steps": 400, "learning_rate": 0.2},
    {"optimizer": "gd", "penalty": "l2", "alpha": 0.1, "steps": 400, "learning_rate": 0.2},
])
def test_exported_script_repeats_a_penalised_run(tmp_path, kwargs):
    """The script (penalty functions copied in) prints fit's result to 1e-6, exact zeros
    included, and its --check prints scikit-learn's rescaled Ridge / Lasso optimum."""
    X, y = hidden_style(n=100)
    Z, scaler = columns(X, True)
    run = fit(Z, y, **kwargs)
    assert run.stop_reason == "converged"
    w, b = scaler.to_original(*run.final)
    script = export_script("t", ["a", "b", "c", "d"], **kwargs)
    assert f"def {PENALTY_TABLE[kwargs['penalty']].value.__name__}" in script
    printed, check = run_script(tmp_path, script, X, y)
    assert_allclose(printed["w"], w, rtol=1e-6, atol=1e-12)
    assert ((np.array(printed["w"]) == 0) == (w == 0)).all()
    assert_allclose(printed["b"], b, rtol=1e-6)
    assert_allclose(check["w"], w, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_mae_l2_active_set_certifies_the_optimum(seed):
    """On random standardised data (ties in y for half the seeds) the active-set result is
    below every nearby point; when it cannot certify one (None), the dual route is used."""
    rng = np.random.default_rng(seed)
    n, d = 30 + 40 * seed, 1 + seed % 4
    A = rng.normal(size=(n, d))
    A = (A - A.mean(axis=0)) / A.std(axis=0)
    y = A @ rng.normal(size=d) + rng.standard_t(2, size=n)
    y = np.round(y) if seed % 2 else y
    alpha = (1e-3, 0.05, 1.0)[seed % 3]
    found = mae_l2_active_set(A, y, alpha)
    w, b = found if found is not None else mae_l2_brent(A, y, alpha)
    best = objective(A, y, w, b, "mae", "l2", alpha)
    for _ in range(100):
        dw, db = 1e-6 * rng.normal(size=d), 1e-6 * rng.normal()
        assert best <= objective(A, y, w + dw, b + db, "mae", "l2", alpha) + 1e-13


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_largest_alpha_is_where_every_weight_becomes_zero(loss, standardize):
    """With L1, the optimum has every weight 0 at largest_alpha and some weight not 0 just
    below it."""
    X, y = hidden_style(n=60)
    top = largest_alpha(X, y, loss, standardize=standardize)
    at, below = regularization_path(X, y, [top * 1.000001, top * 0.9], loss, "l1",
                                    standardize=standardize)
    assert_allclose(at, 0.0, atol=1e-9)
    assert np.abs(below).max() > 1e-6
