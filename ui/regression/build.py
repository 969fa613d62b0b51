"""The regression page's values, built from plain values: a :class:`Problem` from a table, a
loss's :class:`LossReference`, a :class:`Run` of gradient descent, the race's loss grid, the
charts' :class:`ChartBases` and the :class:`StepCheck` of one step.

No Streamlit and no caching, so each builder can be tested on its own; ``ui.regression.cache``
keys, bounds and shares the results (and decides which work runs one at a time). The values
are read-only by agreement, since the cache hands the same object to every session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gradcore import (
    LOSS_TABLE,
    PENALTY_TABLE,
    Comparison,
    FitTrajectory,
    GradientCheck,
    ReferenceGap,
    RunSettings,
    compare_with_sklearn,
    fit,
    gradient_check,
    held_out_loss,
    loss_gradient,
    loss_surface,
    loss_value,
    mse_gradient,
    mse_loss,
    reference_fit,
    reference_gap,
)
from gradcore.regression.descent import mse_gradient_path
from gradcore.regression.engine import EVALUATION_ROWS, evenly_spaced_rows
from ui.regression import figures as figures
from ui.regression.figures import CONTOUR_GRID, contour_window
from ui.regression.generalisation import curve_base
from ui.regression.penalised_check import penalised_gap, penalised_reference, penalised_skipped
from ui.regression.problem import (
    HEAD_ROWS,
    LightProblem,
    LossReference,
    Problem,
    ProblemKey,
    Sample,
    build_problem,
    optimum_of,
)

__all__ = [
    "DEFAULT_SETTINGS", "HEAD_ROWS", "ChartBases", "LightProblem", "LossReference", "Problem",
    "ProblemKey", "Run", "Sample", "StepCheck", "build_chart_bases", "build_loss_grid",
    "build_loss_reference", "build_problem", "build_run", "build_step_check",
    "check_is_direct", "contour_note", "race_window", "reference_predictions",
    "reference_skipped", "reference_source", "steps_read_rows", "takes_formula_path",
]

DEFAULT_SETTINGS = RunSettings()

# The finite-difference check differentiates mse_loss on the data itself (2(d+1) passes over
# N x d values) while N (d+1)^2 is at most this; above it, the same loss from the sufficient
# statistics (otherwise one step of a million rows by 10 features would take a second).
DIRECT_CHECK_WORK = 30_000_000
# ... and while the rows (X, X_fit, y: N (2d + 1) values) take at most this many bytes: the cache
# keeps so small a problem whole apart from the large tables (cache.WHOLE_PROBLEM_BYTES), so a
# step finds its rows; a larger table (1,000,000 x 1 takes 24 MB) is checked as one above
# DIRECT_CHECK_WORK, with the formula on its rows at every iterate (FORMULA_PATH_WORK), and a
# step of it reads no rows.
DIRECT_CHECK_BYTES = 4 * 2**20
# Where the check is not direct, build_run computes the article's formula (mse_gradient, on
# the rows) at every iterate of an MSE run in one pass over the data (mse_gradient_path), while
# N (d+1) (iterates) is at most this: about 0.3 s for the default run on 1,000,000 x 10 (105
# iterates), measured on the shared 2-core machine, instead of a pass over the rows (and the
# rows themselves, 168 MB, perhaps rebuilt) at every step. A step then reads no rows.
FORMULA_PATH_WORK = 3_000_000_000
COMPARISON_RTOL = 1e-6
# Central differences of a quadratic are exact up to rounding, about eps * L / h ~ 1e-10 * L.
GRADIENT_RTOL = 1e-5
# The MAE is piecewise linear: central differences are exact unless a residual changes sign
# within h of the iterate, where they average the two slopes (a subgradient, not sign(0) = 0).
MAE_GRADIENT_RTOL = 1e-3
# MAE and Huber runs are checked on the loss against reference_fit's optimum (the MAE's
# optimum need not be unique; a subgradient method only approaches it with a decaying step).
LOSS_GAP_RTOL = 1e-6
# The MAE's reference (gradcore.regression.losses: the median-regression LP, in its dual form above 2,000
# rows) takes about linear time in rows x (features + 1): measured on the shared 2-core
# machine, 0.43 s for 100,000 x 1, 0.6 s for 100,000 x 3, 0.5 s for 50,000 x 10, 1.45 s for
# 300,000 x 1. One click must not hold the class's server for seconds, so the reference is
# made only up to this many values (about a second at most).
MAE_REFERENCE_VALUES = 400_000


def reference_skipped(loss: str, rows: int, features: int) -> str | None:
    """Why `loss` gets no reference on `rows` rows of `features` features (the MAE above
    MAE_REFERENCE_VALUES, see there), else None."""
    values = rows * (features + 1)
    if loss == "mae" and values > MAE_REFERENCE_VALUES:
        most = MAE_REFERENCE_VALUES // (features + 1)
        return (f"The MAE's reference (median regression as a linear programme) is computed "
                f"for up to {most:,} rows with {features} feature(s) ({MAE_REFERENCE_VALUES:,} "
                f"values); this table has {rows:,} rows, so there is no check against it here. "
                "The charts show the least-squares fit instead.")
    return None


def build_loss_reference(problem: Problem, loss: str, loss_key: tuple = (),
                         penalty: str = "none", alpha: float = 0.0) -> LossReference:
    """``reference_fit`` of `loss` (its settings `loss_key`, ``RunSettings.loss_key``) on the
    problem: the problem's own for the MSE; where ``reference_skipped`` says so, the
    least-squares fit with this loss's value. With a penalty (alpha > 0) the optimum of loss +
    P(w) and its objective (``ui.regression.penalised_check``)."""
    values = dict(loss_key)
    if penalty != "none" and alpha > 0:
        skipped = penalised_skipped(loss, len(problem.y), len(problem.features))
        if skipped:
            return replace(problem.least_squares, skipped=skipped)
        return penalised_reference(problem, loss, loss_key, penalty, alpha,
                                   lambda coef, intercept, value: optimum_of(
                                       problem.scaler, coef, intercept, value))
    if loss == "mse":
        return problem.least_squares
    skipped = reference_skipped(loss, len(problem.y), len(problem.features))
    if skipped:
        least_squares = problem.least_squares
        return replace(least_squares, skipped=skipped, loss=loss_value(
            problem.X, problem.y, *least_squares.reference, loss, **values))
    coef, intercept = reference_fit(problem.X, problem.y, loss, **values)
    return optimum_of(problem.scaler, coef, intercept,
                    loss_value(problem.X, problem.y, coef, intercept, loss, **values))


@dataclass(frozen=True, eq=False)
class Run:
    """A trajectory, its coefficients in original units, the final comparison and the contour.

    ``key`` = (problem key, settings). ``comparison`` is the MSE's check against scikit-learn
    (None for another loss); ``gap`` the check against the chosen loss's ``reference_fit``
    (None for the MSE); ``optimum`` that loss's reference. ``test_loss``: (steps, loss) of
    the iterates on the problem's held-out rows (``gradcore.held_out_loss``), else None.
    ``formula_gradient`` (iterates, d + 1): the article's formula on the rows at every iterate
    (``formula_path``), what the step check compares with finite differences; None where the
    check reads the rows at each step instead (``steps_read_rows``).
    """

    key: tuple
    settings: RunSettings
    trajectory: FitTrajectory
    coef: np.ndarray
    intercept: np.ndarray
    comparison: Comparison | None
    contour: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    gap: ReferenceGap | None = None
    optimum: LossReference | None = None
    test_loss: tuple[np.ndarray, np.ndarray] | None = None
    formula_gradient: np.ndarray | None = None


def build_run(problem: Problem, settings: RunSettings = DEFAULT_SETTINGS,
              optimum: LossReference | None = None, stepped: bool = True) -> Run:
    """``fit`` with `settings` (w0 in every coordinate), in the units GD runs in, checked
    against `optimum` (``build_loss_reference`` of the loss unless given: the cache passes its
    shared one). The default settings are ``gradient_descent``'s closed-form fast path.
    `stepped` False: a run nobody steps through (a race's rival), without ``formula_path``."""
    d = len(problem.features)
    kwargs = settings.fit_kwargs()
    kwargs["w0"] = np.full(d, settings.w0)
    trajectory = fit(problem.X_fit, problem.y, stats=problem.stats, **kwargs)
    if problem.scaler:
        coef, intercept = problem.scaler.to_original(trajectory.w, trajectory.b)
    else:
        coef, intercept = np.asarray(trajectory.w), np.asarray(trajectory.b)
    loss, loss_key = settings.loss, settings.loss_key
    penalised = settings.penalty != "none" and settings.alpha > 0
    if optimum is None:
        optimum = build_loss_reference(problem, loss, loss_key, settings.penalty, settings.alpha)
    comparison = gap = None
    if penalised:
        if optimum.skipped is None:
            gap = penalised_gap(trajectory, optimum, PENALTY_TABLE[settings.penalty].label)
    elif loss == "mse":
        comparison = compare_with_sklearn(problem.X, problem.y, trajectory, problem.scaler,
                                          rtol=COMPARISON_RTOL,
                                          reference=problem.least_squares.reference,
                                          stats=problem.stats)
    elif optimum.skipped is None:
        gap = reference_gap(problem.X, problem.y, coef[-1], float(intercept[-1]),
                            optimum.reference, loss, rtol=LOSS_GAP_RTOL, **dict(loss_key))
    contour = None
    if d == 1:
        (w_lo, w_hi), (b_lo, b_hi) = contour_window(trajectory.w[:, 0], trajectory.b,
                                                    float(optimum.reference_fit[0][0]),
                                                    optimum.reference_fit[1])
        contour = build_loss_grid(problem, loss, loss_key, (w_lo, w_hi, b_lo, b_hi),
                                  settings.penalty, settings.alpha)
    test_loss = None
    if problem.held_out is not None:
        held = problem.held_out
        test_loss = held_out_loss(held.X_fit, held.y, trajectory.w, trajectory.b, loss,
                                  stats=held.stats if loss == "mse" else None, **dict(loss_key))
    return Run(key=(problem.key, settings), settings=settings, trajectory=trajectory,
               coef=coef, intercept=intercept, comparison=comparison, contour=contour,
               gap=gap, optimum=optimum, test_loss=test_loss,
               formula_gradient=formula_path(problem, settings, trajectory) if stepped else None)


def check_is_direct(rows: int, features: int) -> bool:
    """Whether the MSE's finite differences read the data (DIRECT_CHECK_WORK and
    DIRECT_CHECK_BYTES)."""
    return (rows * (features + 1) ** 2 <= DIRECT_CHECK_WORK
            and 8 * rows * (2 * features + 1) <= DIRECT_CHECK_BYTES)


def takes_formula_path(rows: int, features: int) -> bool:
    """Whether an MSE run of `rows` x `features` may carry ``formula_path`` (its check is not
    direct; whether the run's length keeps it within FORMULA_PATH_WORK is known after the
    fit)."""
    return not check_is_direct(rows, features)


def formula_path(problem: Problem, settings: RunSettings,
                 trajectory: FitTrajectory) -> np.ndarray | None:
    """(iterates, d + 1): ``mse_gradient`` on the rows at every iterate of an MSE run (the
    penalty left out, as in the check) by ``mse_gradient_path``, where the check's finite
    differences come from the statistics and the work is within FORMULA_PATH_WORK; else
    None (each step's check then reads the rows)."""
    n, d = problem.n, len(problem.features)
    iterates = trajectory.steps_taken + 1
    if (settings.loss != "mse" or not takes_formula_path(n, d)
            or n * (d + 1) * iterates > FORMULA_PATH_WORK):
        return None
    grad_w, grad_b = mse_gradient_path(problem.X_fit, problem.y, trajectory.w, trajectory.b)
    path = np.column_stack([grad_w, grad_b])
    path.setflags(write=False)
    return path


def steps_read_rows(problem: LightProblem, run: Run) -> bool:
    """Whether a step of `run` reads the rows (X, X_fit, y): its check or its formula panel
    needs them, unless the run carries ``formula_gradient`` or the problem is kept whole."""
    return not isinstance(problem, Problem) and run.formula_gradient is None


def race_window(paths, optimum: tuple[float, float]) -> tuple[float, float, float, float]:
    """(w_lo, w_hi, b_lo, b_hi) framing every raced path (``contour_window`` of each) and the
    optimum, rounded to 12 significant digits so that it can key ``race_grid``."""
    windows = [contour_window(w_path, b_path, optimum[0], optimum[1]) for w_path, b_path in paths]
    w_lo, w_hi = min(w[0][0] for w in windows), max(w[0][1] for w in windows)
    b_lo, b_hi = min(w[1][0] for w in windows), max(w[1][1] for w in windows)
    return tuple(float(f"{value:.12g}") for value in (w_lo, w_hi, b_lo, b_hi))


def build_loss_grid(problem: Problem, loss: str, loss_key: tuple,
                    window: tuple[float, float, float, float], penalty: str = "none",
                    alpha: float = 0.0):
    """(w grid, b grid, J[b, w]) of `loss` (plus the penalty, the objective a penalised run
    minimises) over `window` = (w_lo, w_hi, b_lo, b_hi), one feature, in GD units: the MSE from
    the statistics, another loss by ``loss_surface`` (passes over the data)."""
    w_grid = np.linspace(window[0], window[1], CONTOUR_GRID)
    b_grid = np.linspace(window[2], window[3], CONTOUR_GRID)
    W, B = np.meshgrid(w_grid, b_grid)
    if loss == "mse":
        grid = problem.stats.loss_at(W[..., None], B)
    else:
        rows = evenly_spaced_rows(len(problem.y), EVALUATION_ROWS)
        X, y = ((problem.X_fit, problem.y) if rows is None
                else (problem.X_fit[rows], problem.y[rows]))
        grid = loss_surface(X, y, W[..., None], B, loss, **dict(loss_key))
    if penalty != "none" and alpha > 0:
        grid = grid + PENALTY_TABLE[penalty].value(w_grid[:, None], alpha, {})[None, :]
    return w_grid, b_grid, grid


def contour_note(problem: LightProblem, loss: str) -> str | None:
    """What the contours of `loss` were computed on, when not every row: a 60 x 60 grid of the
    MAE or the Huber loss reads every row 3,600 times (9 s for a million rows), so above
    EVALUATION_ROWS rows it uses that many evenly spaced rows (as a mini-batch run's record)."""
    if loss == "mse" or problem.n <= EVALUATION_ROWS:
        return None
    return (f"Contours from {EVALUATION_ROWS:,} evenly spaced rows of the {problem.n:,}, "
            "so they draw in a fraction of a second.")


@dataclass(frozen=True, eq=False)
class ChartBases:
    """The step-independent parts of the stepper's three replayable charts.

    One feature: ``main`` is the data with the fitted lines, ``side`` the loss contours.
    Several: ``main`` is predicted against actual, ``side`` the coefficient paths.
    """

    main: figures.Base
    side: figures.Base
    loss: figures.Base


def reference_source(run: Run) -> str:
    """Whose optimum the charts show: scikit-learn's least squares for the MSE (and as the
    MAE's stand-in on a large table), else the chosen loss's reference."""
    return "scikit-learn" if run.settings.loss == "mse" or run.optimum.skipped else "reference"


def reference_predictions(problem: Problem, run: Run | None = None) -> np.ndarray:
    """The reference's predictions ŷ of the drawn sample of rows: scikit-learn's fit, or the
    optimum of `run`'s loss."""
    coef, intercept = (problem.least_squares if run is None else run.optimum).reference
    return problem.sample.X @ coef + intercept


def build_chart_bases(problem: Problem, run: Run) -> ChartBases:
    """The charts' step-independent parts for `run`, so a step only adds its few marks."""
    t, sample, optimum = run.trajectory, problem.sample, run.optimum
    if problem.curve is not None:
        main = curve_base(problem.curve, sample.y, run.coef, run.intercept, optimum.reference,
                          (problem.curve.basis.name, problem.target), reference_source(run))
        side = figures.coefficient_paths_base(t.w, t.b, problem.features, optimum.reference_fit)
    elif len(problem.features) == 1:
        main = figures.fitted_line_base(
            sample.X[:, 0], sample.y, run.coef[:, 0], run.intercept,
            (float(optimum.reference[0][0]), optimum.reference[1]),
            (problem.features[0], problem.target), reference_source(run))
        w_grid, b_grid, loss_grid = run.contour
        side = figures.contour_base(w_grid, b_grid, loss_grid, t.w[:, 0], t.b,
                                    (float(optimum.reference_fit[0][0]),
                                     optimum.reference_fit[1]), reference_source(run))
    else:
        main = figures.predicted_actual_base(sample.y, reference_predictions(problem, run),
                                             reference_source(run))
        side = figures.coefficient_paths_base(t.w, t.b, problem.features, optimum.reference_fit)
    return ChartBases(main=main, side=side, loss=figures.loss_base(t.loss, run.test_loss))


@dataclass(frozen=True)
class StepCheck:
    """The article's gradient at step k from the data, and its finite-difference check."""

    grad_w: np.ndarray
    grad_b: float
    check: GradientCheck
    direct: bool


def build_step_check(problem: LightProblem, run: Run, k: int) -> StepCheck:
    """The run's loss gradient at iterate k from the data (the article's ``mse_gradient`` for
    the MSE, ``loss_gradient`` otherwise) vs central differences of the loss (see
    DIRECT_CHECK_WORK; the MSE's statistics above it). Where the run carries
    ``formula_gradient`` (the same formula on the rows, computed for every iterate while the
    rows were there) the step reads that row of it, and `problem` may be a LightProblem."""
    w, b = np.asarray(run.trajectory.w[k]), float(run.trajectory.b[k])
    name, values = run.settings.loss, run.settings.loss_settings
    d = w.size
    if run.formula_gradient is not None:
        grad_w, grad_b = run.formula_gradient[k, :d], run.formula_gradient[k, d]
        direct = False
    elif name == "mse":
        grad_w, grad_b = mse_gradient(problem.X_fit, problem.y, w, b)
        direct = check_is_direct(len(problem.y), d)
    else:
        grad_w, grad_b = loss_gradient(problem.X_fit, problem.y, w, b, name, **values)
        direct = True
    if direct and name == "mse":
        def loss(theta):
            return mse_loss(problem.X_fit, problem.y, theta[:d], theta[d])
    elif direct:
        def loss(theta):
            return loss_value(problem.X_fit, problem.y, theta[:d], theta[d], name, **values)
    else:
        def loss(theta):
            return float(problem.stats.loss_at(theta[:d], theta[d]))
    analytic = np.append(grad_w, grad_b)
    rtol = MAE_GRADIENT_RTOL if LOSS_TABLE[name].kinked else GRADIENT_RTOL
    check = gradient_check(loss, lambda _theta: analytic, np.append(w, b), rtol=rtol)
    return StepCheck(grad_w=np.array(grad_w), grad_b=float(grad_b), check=check, direct=direct)
