"""AppTest tests of the regression page's generalisation controls: the train/test split and
the polynomial degree from the address, the test-loss curve, the fitted curve, bad values,
the cache key, and the lowest-test-degree exercise's numbers on the page."""

import base64
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from gradcore import (
    PolynomialBasis,
    Standardizer,
    fit,
    loss_value,
    make_regression_data,
    sklearn_reference,
    train_test_split_rows,
)
from gradcore.exercises.catalogue import BY_ID
from gradcore.number_text import fmt
from tests.figure_marks import look_alikes
from tests.page_helpers import all_text, notes, open_page
from tests.page_helpers import charts as page_charts
from ui.regression import cache
from ui.regression.generalisation import NO_SHAPING, Shaping
from ui.shell.exercise_panel import ANSWER_KEY, CHECK_KEY

PAGE = "pages/linear-regression.py"
LINK = {"src": "generate", "n": "40", "deg": "6", "test": "0.3", "tseed": "2"}
RTOL = 1e-9
CLOSED = "The exercise was closed because the page no longer shows its set-up"


def specs(at) -> list[dict]:
    """Every plotly chart's figure JSON, as sent to the browser."""
    return [chart.spec for chart in page_charts(at)]


def chart_named(at, trace_name: str) -> dict:
    """The chart that has a trace called `trace_name`."""
    found = [s for s in specs(at) if any(t.get("name") == trace_name for t in s["data"])]
    assert found, [[t.get("name") for t in s["data"]] for s in specs(at)]
    return found[0]


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def values(trace_json, axis: str) -> np.ndarray:
    """A trace's x or y, whether plain or base64-typed by Streamlit."""
    data = trace_json[axis]
    if isinstance(data, dict):  # plotly's typed array: {"dtype": ..., "bdata": ...}
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).astype(float)
    return np.asarray([np.nan if v is None else v for v in data], dtype=float)


def expected_run(n=40, degree=6, fraction=0.3, split_seed=2, steps=200, rate=0.1):
    """The page's run rebuilt by hand: the table, the split, the polynomial columns of the
    training rows' rescaled x, standardised on the training rows, plain GD."""
    frame = make_regression_data(n, 1, noise=1.0, seed=0, true_w=[2.0], true_b=1.0)
    x, y = frame["x1"].to_numpy(), frame["y"].to_numpy()
    train, test = train_test_split_rows(n, fraction, split_seed)
    basis = PolynomialBasis.fit(x[train], "x1", degree)
    X = basis.columns(x)
    scaler = Standardizer.fit(X[train])
    Z = scaler.transform(X)
    t = fit(Z[train], y[train], learning_rate=rate, steps=steps)
    return t, Z[test], y[test], (X[train], y[train], X[test], y[test])


@pytest.fixture(scope="module")
def page():
    return open_page(PAGE, **LINK)


def test_controls_take_their_values_from_the_address(page):
    """deg, test and tseed from the link set the three controls."""
    assert page.number_input(key="deg").value == 6
    assert page.number_input(key="test").value == pytest.approx(0.3)
    assert page.number_input(key="tseed").value == 2


def test_the_run_fits_the_training_rows_and_says_so(page):
    """The caption counts 28 training and 12 held-out rows, says the comparison is the
    training fit's, and gives the test loss of GD's last step and of scikit-learn's fit."""
    t, Z_test, y_test, (X_train, y_train, X_test, _) = expected_run()
    text = all_text(page)
    assert "Fitted on 28 training rows; 12 held out" in text
    assert "compared with the reference below is the training fit's" in text
    gd_test = loss_value(Z_test, y_test, t.w[-1], t.b[-1])
    coef, intercept = sklearn_reference(X_train, y_train)
    reference_test = loss_value(X_test, y_test, coef, intercept)
    assert f"gradient descent's last step {fmt(gd_test)}" in text
    assert f"scikit-learn's fit {fmt(reference_test)}" in text


def test_the_loss_chart_draws_the_test_loss_of_every_iterate(page):
    """The loss chart has a training and a test loss trace; the test loss at each step is the
    MSE of that iterate on the held-out rows (independently recomputed)."""
    t, Z_test, y_test, _ = expected_run()
    spec = chart_named(page, "test loss")
    training = values(trace(spec, "training loss"), "y")
    test = values(trace(spec, "test loss"), "y")
    np.testing.assert_allclose(training, t.loss, rtol=RTOL)
    expected = [loss_value(Z_test, y_test, t.w[k], t.b[k]) for k in range(t.w.shape[0])]
    np.testing.assert_allclose(test, expected, rtol=1e-8)
    assert "Dashed: the loss on the 12 held-out rows at every step" in all_text(page)


def test_the_curve_is_drawn_over_the_data_for_a_degree_above_one(page):
    """Degree 6: the 28 training and 12 held-out points with scikit-learn's curve and GD's
    curve at step 0 over the x range (200 points), and no straight-line chart."""
    spec = chart_named(page, "GD curve at step 0")
    names = [t.get("name") for t in spec["data"]]
    assert {"training data", "scikit-learn fit"} <= set(names)
    curve_x = values(trace(spec, "scikit-learn fit"), "x")
    assert curve_x.size == 200 and np.all(np.diff(curve_x) > 0)
    assert not any("GD line at step 0" == t.get("name") for s in specs(page) for t in s["data"])
    assert len(values(trace(spec, "training data"), "x")) == 28
    assert len(values(trace(spec, "test data (held out)"), "x")) == 12
    assert "of z = (x1 − " in all_text(page)
    assert spec["frames"] and all(frame["traces"] == [names.index("GD curve at step 0")]
                                  for frame in spec["frames"])  # Play moves GD's curve


def test_no_two_marks_of_the_new_charts_look_alike(page):
    """The loss chart's training and test curves, and the curve chart's marks, differ by
    style, not only colour."""
    for name in ("test loss", "GD curve at step 0"):
        spec = chart_named(page, name)
        assert not look_alikes(go.Figure({"data": spec["data"]}), with_colour=False)


@pytest.mark.parametrize("params, key, default", [
    ({"deg": "13"}, "deg", 1), ({"deg": "2.5"}, "deg", 1), ({"test": "0.9"}, "test", 0.0),
    ({"test": "nan"}, "test", 0.0), ({"tseed": "-1", "test": "0.2"}, "tseed", 0),
])
def test_a_value_outside_its_range_gets_the_default_and_a_note(params, key, default):
    """A bad degree, fraction or seed in the link: the default, a note naming it, no error."""
    at = open_page(PAGE, src="generate", n="40", **params)
    assert at.number_input(key=key).value == default
    assert f"{key}={params[key]} in the link is not usable" in notes(at)
    assert not at.error


def test_a_degree_with_several_features_is_left_at_one_with_a_note():
    """Diabetes' ten features with deg=4: a note, and the predicted-against-actual chart."""
    at = open_page(PAGE, ds="diabetes", deg="4")
    assert "exactly one feature" in notes(at)
    assert not at.error
    assert not any(t.get("name") == "GD curve at step 0" for s in specs(at) for t in s["data"])


def test_too_few_rows_for_the_split_is_one_clear_error():
    """Ten rows with half held out still work; the generator's minimum with a split that
    leaves a part under 2 rows is not possible through the controls (n >= 10)."""
    at = open_page(PAGE, src="generate", n="10", test="0.5")
    assert not at.error
    assert "Fitted on 5 training rows; 5 held out" in all_text(at)


def test_the_cache_key_includes_the_split_and_the_degree():
    """Two shapings of one table are two problems; a RunRef brings back the right one."""
    data = cache.generated_data(40, 1, 1.0, 0, 2.0, 1.0)
    plain = cache.prepare(data, "y", ("x1",), True)
    shaped = cache.prepare(data, "y", ("x1",), True, Shaping(3, 0.25, 1))
    other_seed = cache.prepare(data, "y", ("x1",), True, Shaping(3, 0.25, 2))
    assert plain.key.shaping == NO_SHAPING and plain.held_out is None
    assert shaped.features == ("z", "z²", "z³") and shaped.y.size == 30
    assert shaped is not other_seed and not np.array_equal(shaped.y, other_seed.y)
    run = cache.descend(shaped)
    found_problem, found_run = cache.resolve(cache.RunRef.of(shaped, run))
    assert found_problem is shaped and found_run is run


def test_the_exercise_answer_is_the_degree_whose_test_loss_the_page_shows_lowest():
    """Opening lowest-test-degree and trying each degree: the page's scikit-learn test loss
    is lowest at the exercise's solution."""
    task = BY_ID["lowest-test-degree"].instance()
    shown = {}
    for degree in range(1, 13):
        at = open_page(PAGE, ex=task.exercise_id, **task.link, deg=str(degree))
        text = all_text(at)
        found = re.search(r"Test loss: gradient descent's last step \S+, scikit-learn's fit "
                          r"([0-9.e+-]+) ", text)
        assert found, text
        shown[degree] = float(found.group(1))
    assert min(shown, key=shown.get) == int(task.solution)


def test_the_exercise_stays_open_while_the_degree_changes_and_closes_with_the_split():
    """lowest-test-degree: trying another degree keeps the exercise (and the solution is
    accepted there); moving the split seed closes it with the page's note."""
    task = BY_ID["lowest-test-degree"].instance()
    at = open_page(PAGE, ex=task.exercise_id, **task.link)
    for key, value in (("deg", 3), ("tseed", int(task.link["tseed"]) + 1)):
        at.number_input(key=key).set_value(value).run()
        at.query_params[key] = str(value)  # as the browser writes it
        at.run()
        closed = CLOSED in all_text(at)
        if key == "deg":
            assert not closed
            at.text_input(key=ANSWER_KEY).input(task.solution)
            at.button(key=CHECK_KEY).click().run()
            assert any("Right" in s.value for s in at.success)
        else:
            assert closed


def test_a_degree_without_a_split_draws_the_curve_and_no_test_loss():
    """deg=4 alone: the curve over all 40 rows, Play still moves GD's curve, and the loss
    chart has the one training-loss curve (named "loss")."""
    at = open_page(PAGE, src="generate", n="40", deg="4")
    spec = chart_named(at, "GD curve at step 0")
    names = [t.get("name") for t in spec["data"]]
    assert "test data (held out)" not in names
    assert len(values(trace(spec, "training data"), "x")) == 40
    assert all(frame["traces"] == [names.index("GD curve at step 0")] for frame in spec["frames"])
    assert not any(t.get("name") == "test loss" for s in specs(at) for t in s["data"])
    assert "Fitted on" not in all_text(at)
