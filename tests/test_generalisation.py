"""gradcore's generalisation tools: the train/test split, polynomial columns, held-out losses,
the losses per degree, and the lowest-test-degree exercise built on them."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gradcore import (
    MAX_DEGREE,
    DataError,
    PolynomialBasis,
    degree_losses,
    fit,
    held_out_loss,
    held_out_rows,
    loss_value,
    make_regression_data,
    polynomial_features,
    polynomial_names,
    train_test_split_rows,
)
from gradcore.exercises.catalogue import BY_ID
from gradcore.exercises.generalisation import TIE_RTOL, best_degree, page_rows
from gradcore.regression.engine import EVALUATION_ROWS, evenly_spaced_rows

RTOL = 1e-10


@pytest.mark.parametrize("n, fraction, seed", [(10, 0.2, 0), (101, 0.3, 5), (1000, 0.5, 42)])
def test_split_is_disjoint_covers_every_row_and_holds_out_the_fraction(n, fraction, seed):
    """Training and test rows are disjoint, sorted, together every row; ceil(f n) are tested."""
    train, test = train_test_split_rows(n, fraction, seed)
    assert np.intersect1d(train, test).size == 0
    assert_allclose(np.sort(np.concatenate([train, test])), np.arange(n))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    assert test.size == int(np.ceil(fraction * n))


def test_split_is_reproducible_by_its_seed():
    """The same seed gives the same rows; another seed other rows."""
    first = train_test_split_rows(200, 0.25, 7)
    again = train_test_split_rows(200, 0.25, 7)
    other = train_test_split_rows(200, 0.25, 8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])


def test_no_split_at_fraction_zero():
    """Fraction 0 holds out nothing."""
    train, test = train_test_split_rows(50, 0.0, 3)
    assert np.array_equal(train, np.arange(50)) and test.size == 0


@pytest.mark.parametrize("n, fraction", [(50, 0.6), (50, -0.1), (3, 0.5), (20, 0.01)])
def test_split_refuses_a_bad_fraction_or_too_few_rows(n, fraction):
    """A fraction outside [0, 0.5], or a part with fewer than 2 rows, is a DataError."""
    with pytest.raises(DataError):
        train_test_split_rows(n, fraction, 0)


def test_polynomial_columns_are_the_powers_of_the_rescaled_column():
    """Column k is ((x − centre)/scale)^k, k = 1 … degree; names z, z², …"""
    x = np.array([1.0, 2.0, 4.0, 7.0])
    columns = polynomial_features(x, 4, centre=2.0, scale=0.5)
    z = (x - 2.0) / 0.5
    assert_allclose(columns, np.column_stack([z, z ** 2, z ** 3, z ** 4]), rtol=RTOL)
    assert polynomial_names("x", 4) == ("z", "z²", "z³", "z⁴")


def test_basis_uses_the_training_rows_mean_and_sd():
    """PolynomialBasis.fit takes the mean and sd of the rows it is given."""
    x = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    basis = PolynomialBasis.fit(x[:4], "x", 3)
    assert (basis.centre, basis.scale) == pytest.approx((1.5, np.std([0, 1, 2, 3])), rel=RTOL)
    assert_allclose(basis.columns(x)[:, 0], (x - 1.5) / basis.scale, rtol=RTOL)


@pytest.mark.parametrize("degree", [0, MAX_DEGREE + 1, 2.5, True])
def test_degree_outside_its_range_is_refused(degree):
    """A degree that is not whole in 1 … 12 is a DataError."""
    with pytest.raises(DataError):
        polynomial_features(np.arange(5.0), degree)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_held_out_loss_is_the_loss_of_each_iterate_on_the_rows(loss):
    """held_out_loss equals loss_value at every iterate it reports (MSE: every one)."""
    frame = make_regression_data(80, 2, seed=3)
    X, y = frame[["x1", "x2"]].to_numpy(), frame["y"].to_numpy()
    t = fit(X[:60], y[:60], loss=loss, steps=30, learning_rate=0.05)
    steps, values = held_out_loss(X[60:], y[60:], t.w, t.b, loss)
    if loss == "mse":
        assert np.array_equal(steps, np.arange(31))
    for k, value in zip(steps, values, strict=True):
        assert value == pytest.approx(loss_value(X[60:], y[60:], t.w[k], t.b[k], loss),
                                      rel=1e-9, abs=1e-12)


def test_held_out_loss_of_another_loss_is_thinned_on_a_long_run():
    """A non-MSE loss is evaluated at no more than 400 iterates, both ends kept."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 1)), rng.normal(size=30)
    w, b = rng.normal(size=(1001, 1)), rng.normal(size=1001)
    steps, values = held_out_loss(X, y, w, b, "mae")
    assert steps.size <= 400 and steps[0] == 0 and steps[-1] == 1000
    assert values[-1] == pytest.approx(loss_value(X, y, w[-1], b[-1], "mae"), rel=1e-12)


def test_over_fitting_training_loss_falls_while_test_loss_rises():
    """On a small noisy table (fixed seed), the training MSE at degree 12 is below degree 1's
    while the test MSE at degree 12 is far above it: the curve has learnt the noise."""
    frame = make_regression_data(30, 1, noise=1.0, seed=0, true_w=[2.0], true_b=1.0)
    x, y = frame["x1"].to_numpy(), frame["y"].to_numpy()
    train, test = train_test_split_rows(30, 0.3, 1)
    losses = degree_losses(x, y, train, test)
    assert losses[12][0] < 0.6 * losses[1][0]
    assert losses[12][1] > 100 * losses[1][1]
    assert min(losses, key=lambda d: losses[d][1]) < 7


def test_degree_losses_are_the_least_squares_fit_on_the_training_rows():
    """Degree 1's losses are those of numpy's least squares on the training rows."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=40), rng.normal(size=40)
    train, test = train_test_split_rows(40, 0.25, 0)
    theta = np.linalg.lstsq(np.column_stack([x[train], np.ones(train.size)]), y[train],
                            rcond=None)[0]
    expected = [np.mean((x[r] * theta[0] + theta[1] - y[r]) ** 2) for r in (train, test)]
    assert_allclose(degree_losses(x, y, train, test, degrees=[1])[1], expected, rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_exercise_answer_is_the_lowest_test_loss_and_degree_12_is_a_named_mistake(seed):
    """The solution is the argmin of the page's test losses; the training-loss argmin gets
    its own message; an unreadable answer gets advice, not an exception."""
    task = BY_ID["lowest-test-degree"].instance(seed)
    assert task.check(task.solution).correct
    assert not task.check("0").correct and "whole degree" in task.check("0").message
    assert not task.check("2.5").correct
    x, y = page_rows(task.link)
    train, test = train_test_split_rows(len(y), float(task.link["test"]), int(task.link["tseed"]))
    losses = degree_losses(x, y, train, test)
    best, _ = best_degree(losses)
    assert int(task.solution) == best
    by_training = min(losses, key=lambda d: losses[d][0])
    if losses[by_training][1] > losses[best][1] * (1 + TIE_RTOL) and by_training != 1:
        feedback = task.check(str(by_training))
        assert not feedback.correct and "training loss" in feedback.message


def test_held_out_loss_of_another_loss_reads_at_most_the_evaluation_rows():
    """On 25,000 held-out rows the MAE is measured on 10,000 evenly spaced ones (its cost
    does not grow with the table); the MSE on every row."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(25_000, 2)), rng.normal(size=25_000)
    w, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    rows = evenly_spaced_rows(25_000, EVALUATION_ROWS)
    _, mae = held_out_loss(X, y, w, b, "mae")
    _, mse = held_out_loss(X, y, w, b, "mse")
    assert (held_out_rows(25_000, "mae"), held_out_rows(25_000, "mse")) == (10_000, 25_000)
    for k in range(3):
        assert mae[k] == pytest.approx(loss_value(X[rows], y[rows], w[k], b[k], "mae"), rel=1e-12)
        assert mse[k] == pytest.approx(loss_value(X, y, w[k], b[k], "mse"), rel=1e-9)
