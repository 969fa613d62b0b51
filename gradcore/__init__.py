"""gradcore: the math behind Gradient Lab. Never imports streamlit or plotly.

Everything a page or a notebook needs is importable from here: ``from gradcore import ...``.
Add a new public name to the import block of its module below (one block per module).
"""

from gradcore.data import load_csv, make_regression_data
from gradcore.errors import DataError, ExpressionError
from gradcore.expressions import Expression, parse_expression
from gradcore.numeric import GradientCheck, gradient_check, numeric_gradient
from gradcore.regression import (
    Trajectory,
    gradient_descent,
    max_stable_learning_rate,
    mse_gradient,
    mse_loss,
    sklearn_reference,
)
from gradcore.subgradients import subdifferential

__all__ = [name for name in dir() if not name.startswith("_")]
