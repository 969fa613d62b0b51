"""Linear regression: the article's MSE and gradient descent from sufficient statistics
(``descent``, ``statistics``), the losses x optimizers engine as table rows (``losses``,
``optimizers``, ``rows``, ``engine``, ``stopping``, ``settings``), the independent reference
fits (``reference``), standardisation, data diagnostics and the exported script (``export``).

The names of the round-2 module ``gradcore.regression`` stay importable from here.
"""

from gradcore.regression.descent import (
    EDGE_RTOL,
    LEARNING_RATES,
    MAX_STEPS,
    MAX_TRAJECTORY_VALUES,
    LearningRateVerdict,
    StopReason,
    Trajectory,
    condition_number,
    gradient_descent,
    learning_rate_verdict,
    max_stable_learning_rate,
    mse_gradient,
    mse_loss,
)

__all__ = ["EDGE_RTOL", "LEARNING_RATES", "MAX_STEPS", "MAX_TRAJECTORY_VALUES",
           "LearningRateVerdict", "StopReason", "Trajectory", "condition_number",
           "gradient_descent", "learning_rate_verdict", "max_stable_learning_rate",
           "mse_gradient", "mse_loss"]
