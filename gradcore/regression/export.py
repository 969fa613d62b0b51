"""A standalone Python script (numpy + pandas) that repeats a ``fit`` run on a CSV file.

The script is assembled from the engine's own formulas: the source of the chosen loss row's
``derivative``, ``total``, ``scale`` and ``rounding``, the optimizer row's ``step``,
``step_size`` and ``divergence_bound`` is copied into it, and so is the penalty row's
``value``, ``gradient``, ``prox`` and ``minimum_norm``, so the script cannot drift from the
engine, and any row of ``LOSS_TABLE``, ``OPTIMIZER_TABLE`` and ``PENALTY_TABLE`` (one added at
run time too) exports. As in ``fit``: a proximal optimizer steps with the loss's gradient and
then applies PROX to w; any other steps with the loss's gradient plus the penalty's. Everything that comes from the user (column names, settings) travels as one
JSON text inside an ASCII string literal and is read with ``json.loads``: a column name is
data in the script, never code, whatever quotes, newlines or backslashes it contains.
"""

from __future__ import annotations

import inspect
import json

import numpy as np

from gradcore.errors import DataError
from gradcore.regression.descent import check_run_settings
from gradcore.regression.engine import check_record_rows, evenly_spaced_rows, fit, run_settings
from gradcore.regression.optimizers import check_schedule, step_size
from gradcore.regression.penalties import penalty_settings
from gradcore.regression.stopping import DIVERGENCE_FACTOR, divergence_bound, without_rounding_noise

# fit's own keywords (the rows' hyper-parameters come as **settings, by name).
_FIT_DEFAULTS = {name: parameter.default for name, parameter in
                 inspect.signature(fit).parameters.items()
                 if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "stats"}

_HEADER = '''\
"""Gradient Lab: {title}, exported run.

Repeats the run with numpy and pandas only:  python this_script.py data.csv
The last line printed is {{"w": [...], "b": ...}} in the original units of the columns, as JSON.
Add --check to also print a scikit-learn reference fit (needs scikit-learn).
"""

import json
import sys

import numpy as np
import pandas as pd

# Column names and settings, as JSON text: names are data here, never code.
SETTINGS = json.loads({settings})
DIVERGENCE_FACTOR = {factor!r}
'''

_BODY = '''
SAME_TABLE = ("Run it on the file from the page's 'Download the data (CSV)' button (beside "
              "the one for this script): the table exactly as Gradient Lab read it, in this "
              "format, also for an uploaded file with ';' or decimal commas.")


def encode(frame):
    """Each text column as 0/1 columns <name>_<category>, the first category (sorted) left out;
    a missing value gives NaN in all of its column's 0/1 columns."""
    for name in frame.select_dtypes(exclude="number").columns:
        text = frame[name].fillna("").astype(str).str.strip()
        missing = text.str.upper().isin(["", "NA", "N/A", "NAN", "NULL", "?"])
        dummies = pd.get_dummies(text.where(~missing), prefix=str(name), drop_first=True,
                                 dtype=float)
        dummies[missing.to_numpy()] = np.nan
        frame = frame.join(dummies[[c for c in dummies.columns if c not in frame.columns]])
    return frame


def load(path):
    """The chosen columns as X (N, d) and y (N,), rows with a missing or non-numeric value left out."""
    frame = pd.read_csv(path)
    if SETTINGS["encode_text"]:
        frame = encode(frame)
    columns = [*SETTINGS["features"], SETTINGS["target"]]
    absent = [name for name in columns if name not in frame.columns]
    if absent:
        sys.exit(f"The CSV has no column {', '.join(map(repr, absent))}; its columns: "
                 f"{', '.join(map(repr, frame.columns[:10]))}. This script reads a "
                 f"comma-separated file (pandas.read_csv's defaults). {SAME_TABLE}")
    table = frame[columns].apply(pd.to_numeric, errors="coerce").dropna()
    if table.empty:
        sys.exit("No row of the CSV has a number in every chosen column. This script reads "
                 f"numbers with '.' as decimal point (pandas.read_csv's defaults). {SAME_TABLE}")
    return (table[SETTINGS["features"]].to_numpy(dtype=float),
            table[SETTINGS["target"]].to_numpy(dtype=float))


def standardize(X):
    """z = (x - mean) / sd per column (sd 1 for a constant column), with mean and scale."""
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    constant = (np.ptp(X, axis=0) == 0) | (std <= 64 * np.finfo(float).eps * np.abs(mean))
    scale = np.where(constant, 1.0, std)
    Z = X - mean
    Z /= scale
    return Z, mean, scale


def loss_and_gradient(X, y, theta):
    """Mean loss and its gradient (d+1,) at theta = (w, b) over the rows of X, y."""
    residual = X @ theta[:-1] + theta[-1] - y
    derivative = DERIVATIVE(residual, SETTINGS["loss_settings"])
    total = TOTAL(residual, derivative, SETTINGS["loss_settings"])
    return float(total) / len(y), np.append(derivative @ X, derivative.sum()) / len(y)


def penalty_value(theta):
    """The penalty P(w) at theta = (w, b) (b is never penalised)."""
    return float(PENALTY_VALUE(theta[:-1], SETTINGS["alpha"], SETTINGS["penalty_settings"]))


def stationarity(grad, theta):
    """The minimum-norm subgradient of loss + penalty, given the loss's gradient (d+1,)."""
    alpha, settings = SETTINGS["alpha"], SETTINGS["penalty_settings"]
    if MINIMUM_NORM is None:
        weights = grad[:-1] + PENALTY_GRADIENT(theta[:-1], alpha, settings)
    else:
        weights = MINIMUM_NORM(grad[:-1], theta[:-1], alpha, settings)
    return np.append(weights, grad[-1])


def run(X, y):
    """The optimizer's iterates until converged, diverged (last iterate before) or the step limit."""
    n, d = X.shape
    s = SETTINGS
    settings, loss_settings = s["optimizer_settings"], s["loss_settings"]
    alpha, penalty_settings = s["alpha"], s["penalty_settings"]
    theta = np.append(np.broadcast_to(np.asarray(s["w0"], dtype=float), (d,)), s["b0"])
    state = {name: np.zeros(d + 1) for name in STATE}
    rng = np.random.default_rng(settings.get("seed", 0))
    batch = min(settings.get("batch_size", n), n)
    A = np.column_stack([X, np.ones(n)])
    S = A.T @ A / n
    lambda_max = np.linalg.eigvalsh(S)[-1]
    column_rms = np.sqrt(np.clip(np.diag(S), 0.0, None))
    start_loss = loss_and_gradient(X, y, theta)[0] + penalty_value(theta)
    zero_loss, zero_grad = loss_and_gradient(X, y, np.zeros(d + 1))
    bound = divergence_bound(start_loss, zero_loss)
    # The loss's own gradient scale, else the gradient norm at 0 (as fit does).
    scale = (SCALE(lambda_max, float(y @ y) / n, loss_settings) if SCALE is not None
             else np.sqrt(zero_grad @ zero_grad))
    threshold = s["tol"] * (float(scale) if scale > 0 else 1.0)
    # A mini-batch MAE / Huber run may judge each iterate on record_rows evenly spaced rows.
    rows = evenly_spaced_rows(n, s["record_rows"]) if MINIBATCH and s["loss"] != "mse" else None
    X_eval, y_eval = (X, y) if rows is None else (X[rows], y[rows])
    kept, reason = theta.copy(), "max_steps"
    for k in range(s["steps"] + 1):
        loss, grad = loss_and_gradient(X_eval, y_eval, theta)
        if not loss + penalty_value(theta) <= bound:
            reason = "diverged"
            break
        kept = theta.copy()
        optimality = stationarity(grad, theta)
        if np.sqrt(optimality @ optimality) < threshold:
            reason = "converged"
            break
        if k == s["steps"]:
            break
        rate = step_size(s["learning_rate"], s["schedule"], k + 1)
        rows = n
        if MINIBATCH:
            index = rng.integers(0, n, size=batch)
            loss, grad = loss_and_gradient(X[index], y[index], theta)
            rows = batch
        # A gradient component below the rounding level of its sum is taken as 0 (as fit does).
        grad = without_rounding_noise(
            grad, rows, None if ROUNDING is None else ROUNDING(loss, loss_settings), column_rms)
        if not PROXIMAL:  # a proximal step takes the loss's gradient, then PROX
            grad[:-1] += PENALTY_GRADIENT(theta[:-1], alpha, penalty_settings)
        STEP(theta, grad, state, rate, k + 1, settings)
        if PROXIMAL and PROX is not None:
            theta[:-1] = PROX(theta[:-1], rate, alpha, penalty_settings)
    print(f"stopped: {reason}", file=sys.stderr)
    return kept


def sklearn_check(X, y):
    """The reference optimum by scikit-learn (MSE: LinearRegression, MAE: median regression;
    with a penalty, Ridge / Lasso for the MSE, with their alphas rescaled to this objective)."""
    if SETTINGS["penalty"] != "none" and SETTINGS["alpha"] > 0:
        penalised_check(X, y)
        return
    if SETTINGS["loss"] == "mse":
        from sklearn.linear_model import LinearRegression
        model = LinearRegression().fit(X, y)
    elif SETTINGS["loss"] == "mae":
        from sklearn.linear_model import QuantileRegressor
        model = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
    else:
        print(SETTINGS["check_note"])
        return
    print("scikit-learn:", json.dumps({"w": model.coef_.tolist(), "b": float(model.intercept_)}))


def penalised_check(X, y):
    """Ridge(alpha = N alpha) / Lasso(alpha = alpha / 2) on the columns the run penalised."""
    if SETTINGS["loss"] != "mse" or SETTINGS["penalty"] not in ("l1", "l2"):
        print(SETTINGS["check_note"])
        return
    from sklearn.linear_model import Lasso, Ridge
    Z, mean, scale = standardize(X) if SETTINGS["standardize"] else (X, 0.0, 1.0)
    alpha = SETTINGS["alpha"]
    model = (Ridge(alpha=len(y) * alpha) if SETTINGS["penalty"] == "l2" else
             Lasso(alpha=alpha / 2, tol=1e-12, max_iter=100_000)).fit(Z, y)
    w = model.coef_ / scale
    b = float(model.intercept_ - w @ np.broadcast_to(mean, w.shape))
    print("scikit-learn:", json.dumps({"w": w.tolist(), "b": b}))


def same_data(y):
    """Warn (stderr) when this CSV did not give the rows Gradient Lab used: another file, or
    one saved with other separators, decimal marks or missing-value words than it read."""
    expected = SETTINGS.get("data")
    if not expected:
        return
    rows, mean = expected["rows"], expected["y_mean"]
    if len(y) != rows or not np.isclose(y.mean(), mean, rtol=1e-9, atol=1e-12 * abs(mean)):
        print(f"warning: this CSV gives {len(y):,} usable rows with mean {SETTINGS['target']} = "
              f"{y.mean() if len(y) else float('nan'):.10g}; Gradient Lab used {rows:,} rows "
              f"with mean {mean:.10g}, so the numbers will differ. This script reads a "
              "comma-separated file with '.' as decimal point (pandas.read_csv's defaults). "
              f"{SAME_TABLE}", file=sys.stderr)


def main(path):
    X, y = load(path)
    same_data(y)
    if SETTINGS["standardize"]:
        Z, mean, scale = standardize(X)
    else:
        Z, mean, scale = X, np.zeros(X.shape[1]), np.ones(X.shape[1])
    theta = run(Z, y)
    w = theta[:-1] / scale
    b = theta[-1] - w @ mean
    if "--check" in sys.argv[2:]:
        sklearn_check(X, y)
    print(json.dumps({"w": w.tolist(), "b": float(b)}))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python this_script.py data.csv [--check]")
    main(sys.argv[1])
'''


def _source(function) -> str:
    return inspect.getsource(function).rstrip() + "\n"


def _settings(target, features, standardize, encode_text, fit_kwargs, data=None) -> dict:
    own = {name: value for name, value in fit_kwargs.items() if name in _FIT_DEFAULTS}
    settings = {**_FIT_DEFAULTS, **own}
    features = [str(name) for name in features]
    if not features:
        raise DataError("There is no feature column: choose at least one feature besides the target.")
    row, method, loss_values, method_values = run_settings(
        settings["loss"], settings["optimizer"],
        {name: value for name, value in fit_kwargs.items() if name not in _FIT_DEFAULTS})
    check_schedule(settings["schedule"])
    rate, steps, tol = check_run_settings(settings["learning_rate"], settings["steps"],
                                       settings["tol"], len(features))
    w0 = np.asarray(settings["w0"], dtype=float)
    if w0.ndim > 1 or (w0.ndim == 1 and w0.shape != (len(features),)) or not np.isfinite(
            np.append(w0, float(settings["b0"]))).all():
        raise DataError(f"The start w0 needs {len(features)} finite values or one number.")
    penalty, alpha, penalty_values = penalty_settings(
        settings["penalty"], settings["alpha"],
        {name: value for name, value in fit_kwargs.items() if name not in _FIT_DEFAULTS})
    check_note = row.check_note or (
        f"scikit-learn has no fit of the {row.label}; Gradient Lab's reference: {row.method}.")
    if penalty.name != "none" and not (row.name == "mse" and penalty.name in ("l1", "l2")):
        check_note = (f"scikit-learn has no fit of the {row.label} with the {penalty.label} "
                      "penalty; Gradient Lab's reference: reference_fit(..., penalty, alpha).")
    return {**settings, "loss": row.name, "optimizer": method.name,
            "loss_settings": loss_values, "optimizer_settings": method_values,
            "record_rows": check_record_rows(settings["record_rows"]),
            "learning_rate": rate, "steps": steps, "tol": tol,
            "w0": w0.tolist(), "b0": float(settings["b0"]), "target": str(target),
            "features": features, "standardize": bool(standardize),
            "encode_text": bool(encode_text), "check_note": check_note,
            "penalty": penalty.name, "alpha": alpha, "penalty_settings": penalty_values,
            "data": ({"rows": int(data[0]), "y_mean": float(data[1])}
                     if data is not None and np.isfinite(data[1]) else None)}, row, method, penalty


def export_script(target, features, standardize=True, encode_text=False, data=None,
                  **fit_kwargs) -> str:
    """Python source that repeats ``fit(X, y, **fit_kwargs)`` on a CSV: ``python s.py data.csv``.

    ``target`` and ``features`` are column names of the CSV; with ``standardize`` the features
    are standardised first (as ``Standardizer``) and the result mapped back to original units.
    The script prints {"w": [...], "b": ...} as JSON on its last line (and the stop reason on
    stderr). It reads the CSV with ``pandas.read_csv`` defaults and leaves out rows with a
    missing or non-numeric value in a chosen column. With ``encode_text`` the script first turns
    the CSV's text columns into 0/1 columns as ``gradcore.data.encoding.one_hot`` does. ``data`` =
    (rows, mean of y) of the table the run used: the script warns on stderr when the CSV it
    reads gives other ones (Gradient Lab also reads semicolon- or tab-separated files,
    decimal commas and "?" for missing; pandas' defaults do not). ``fit_kwargs`` are ``fit``'s:
    its own keywords and the chosen rows' hyper-parameters by name. Raises DataError for
    unknown settings or values out of range.
    """
    settings, row, method, penalty = _settings(target, features, standardize, encode_text,
                                               fit_kwargs, data)
    text = json.dumps(settings, ensure_ascii=True, allow_nan=False)
    functions = [step_size, divergence_bound, without_rounding_noise, evenly_spaced_rows,
                 row.derivative, row.total, method.step, penalty.value, penalty.gradient,
                 *(f for f in (row.scale, row.rounding, penalty.prox, penalty.minimum_norm)
                   if f is not None)]
    names = (f"DERIVATIVE = {row.derivative.__name__}\nTOTAL = {row.total.__name__}\n"
             f"STEP = {method.step.__name__}\n"
             f"SCALE = {row.scale.__name__ if row.scale else None}\n"
             f"ROUNDING = {row.rounding.__name__ if row.rounding else None}\n"
             f"MINIBATCH = {method.minibatch!r}\nSTATE = {method.state!r}\n"
             f"PENALTY_VALUE = {penalty.value.__name__}\n"
             f"PENALTY_GRADIENT = {penalty.gradient.__name__}\n"
             f"PROX = {penalty.prox.__name__ if penalty.prox else None}\n"
             f"MINIMUM_NORM = {penalty.minimum_norm.__name__ if penalty.minimum_norm else None}\n"
             f"PROXIMAL = {bool(getattr(method, 'proximal', False))!r}\n")
    title = f"{method.label} on the {row.label}" + (
        "" if penalty.name == "none" else f" + {penalty.label} penalty, alpha = {settings['alpha']:g}")
    header = _HEADER.format(title=title, settings=ascii(text), factor=DIVERGENCE_FACTOR)
    seen, sources = set(), []
    for function in functions:  # two rows may share a function: write it once
        if function.__name__ not in seen:
            seen.add(function.__name__)
            sources.append(_source(function))
    return header + "\n\n" + "\n\n".join(sources) + "\n\n" + names + _BODY
