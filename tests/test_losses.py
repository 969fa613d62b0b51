"""gradcore.regression.losses additions for the page: reference_gap and huber_zones."""

import numpy as np
import pytest

from gradcore import LOSS_TABLE, huber_zones, loss_value, reference_fit, reference_gap

X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
Y = np.array([1.0, 2.5, 5.5, 7.0, 20.0])


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_the_reference_agrees_with_itself_and_a_worse_point_does_not(loss):
    """At the reference the gap is 0 and agrees; 10% off in w it has a higher loss and says so."""
    w, b = reference_fit(X, Y, loss)
    same = reference_gap(X, Y, w, b, (w, b), loss)
    assert same.agrees and same.relative_loss_gap == 0.0 and same.relative_coef_gap == 0.0
    worse = reference_gap(X, Y, w * 1.1, b, (w, b), loss)
    assert not worse.agrees and worse.relative_loss_gap > 0
    assert worse.loss == pytest.approx(loss_value(X, Y, w * 1.1, b, loss), rel=1e-15)
    assert "higher loss" in worse.message and LOSS_TABLE[loss].method in worse.message


def test_huber_zones_count_residuals_inside_and_beyond_delta():
    """Residuals -1, -2.5, -5.5, -7, -20 at w = b = 0: two within delta = 3, three beyond."""
    assert huber_zones(X, Y, [0.0], 0.0, 3.0) == (2, 3)
    assert huber_zones(X, Y, [0.0], 0.0, 100.0) == (5, 0)


def test_every_loss_names_its_reference_method_and_settings():
    """The table rows the page reads: a method for the check, hyper-parameters for controls."""
    assert all(row.method for row in LOSS_TABLE.values())
    assert [p.name for p in LOSS_TABLE["huber"].hyper_parameters] == ["huber_delta"]
    assert LOSS_TABLE["mse"].hyper_parameters == () == LOSS_TABLE["mae"].hyper_parameters
