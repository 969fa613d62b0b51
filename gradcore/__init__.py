"""gradcore: the math behind Gradient Lab. Never imports streamlit or plotly.

Everything a page or a notebook needs is importable from here: ``from gradcore import ...``.
Add a new public name to the import block of its module below (one block per module).
"""

from gradcore.calculus.curvature import (
    Curvature,
    Hessian,
    HessianCheck,
    HessianKink,
    TaylorEstimates,
    classify,
    curvature_at,
    hessian,
    hessian_at,
    hessian_check,
    numeric_hessian,
    taylor_estimates,
)
from gradcore.calculus.frameworks import FRAMEWORKS, KINK_TABLE
from gradcore.calculus.functions import (
    CATALOGUE,
    DOT_X,
    KINK_KEYS,
    ONE_D_KEYS,
    CatalogueFunction,
    display_name,
    get_function,
    squared_norm_text,
)
from gradcore.calculus.numeric import (
    RTOL,
    GradientCheck,
    derivative_1d,
    gradient_check,
    numeric_gradient,
    one_sided_derivatives,
    relative_error,
)
from gradcore.calculus.subgradients import (
    STEP_RULES,
    SubgradientRun,
    SupportCheck,
    subdifferential,
    subgradient_method,
    supporting_line_check,
)
from gradcore.data.encoding import MAX_CATEGORIES, one_hot
from gradcore.data.features import (
    MAX_DEGREE,
    MAX_TEST_FRACTION,
    PolynomialBasis,
    degree_losses,
    held_out_loss,
    held_out_rows,
    polynomial_features,
    polynomial_names,
    train_test_split_rows,
)
from gradcore.data.generate import (
    DATASETS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_DEFAULT_FEATURES,
    MAX_FEATURES,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    BundledDataset,
    bundled_datasets,
    load_bundled,
    load_csv,
    make_regression_data,
    select_xy,
)
from gradcore.errors import DataError, ExpressionError
from gradcore.exercises.answers import AnswerError
from gradcore.exercises.catalogue import (
    EXERCISE_PARAM,
    EXERCISES,
    SEED_PARAM,
    Exercise,
    Feedback,
    Task,
    for_page,
    get_exercise,
    parse_seed,
)
from gradcore.expressions.expression import Expression, kink_at, parse_expression
from gradcore.expressions.kinks import Kink
from gradcore.expressions.parsing import FUNCTIONS, MAX_LENGTH, check_variable_name
from gradcore.regression.convergence import (
    LINEAR_OPTIMIZERS,
    Tuning,
    best_gd,
    best_momentum,
    convergence_factors,
    eigen_errors,
    factor_grid,
    flat_directions,
    iteration_matrices,
    predicted_errors,
    slowest_direction,
    steps_per_tenfold,
)
from gradcore.regression.descent import (
    EDGE_RTOL,
    LearningRateVerdict,
    Trajectory,
    condition_number,
    gradient_descent,
    learning_rate_verdict,
    max_stable_learning_rate,
    mse_gradient,
    mse_loss,
)
from gradcore.regression.diagnostics import data_warnings
from gradcore.regression.engine import FitTrajectory, fit, loss_surface
from gradcore.regression.export import export_script
from gradcore.regression.losses import (
    LOSS_TABLE,
    LOSSES,
    Loss,
    ReferenceGap,
    huber_zones,
    loss_gradient,
    loss_value,
    reference_fit,
    reference_gap,
    residual_signs,
)
from gradcore.regression.optimizers import OPTIMIZER_TABLE, OPTIMIZERS, SCHEDULES, Optimizer
from gradcore.regression.penalised_reference import (
    largest_alpha,
    penalised_method,
    regularization_path,
)
from gradcore.regression.penalties import ALPHA, PENALTIES, PENALTY_TABLE, Penalty
from gradcore.regression.reference import Comparison, compare_with_sklearn, sklearn_reference
from gradcore.regression.rows import HyperParameter
from gradcore.regression.settings import FIT_DEFAULTS, RunSettings
from gradcore.regression.standardize import Standardizer
from gradcore.regression.statistics import RegressionStatistics, regression_statistics
from gradcore.regression.stopping import STOP_REASONS

# Round 2's flat module paths (``gradcore.losses``, ``gradcore.worker``, ...) keep importing:
# each is the same module object as its new home in a sub-package (so a monkeypatch of either
# is seen by both). New code imports the new paths.
_MOVED = {
    "parsing": "gradcore.expressions.parsing",
    "tree": "gradcore.expressions.tree",
    "evaluation": "gradcore.expressions.evaluation",
    "folding": "gradcore.expressions.folding",
    "symbolic": "gradcore.expressions.symbolic",
    "notation": "gradcore.expressions.notation",
    "advice": "gradcore.expressions.advice",
    "worker": "gradcore.expressions.worker",
    "worker_server": "gradcore.expressions.worker_server",
    "scheduling": "gradcore.expressions.scheduling",
    "kinks": "gradcore.expressions.kinks",
    "chain": "gradcore.calculus.chain",
    "subgradients": "gradcore.calculus.subgradients",
    "functions": "gradcore.calculus.functions",
    "numeric": "gradcore.calculus.numeric",
    "engine": "gradcore.regression.engine",
    "losses": "gradcore.regression.losses",
    "optimizers": "gradcore.regression.optimizers",
    "stopping": "gradcore.regression.stopping",
    "statistics": "gradcore.regression.statistics",
    "reference": "gradcore.regression.reference",
    "standardize": "gradcore.regression.standardize",
    "export": "gradcore.regression.export",
    "diagnostics": "gradcore.regression.diagnostics",
    "rows": "gradcore.regression.rows",
    "settings": "gradcore.regression.settings",
    "csv_loader": "gradcore.data.csv_loader",
    "csv_text": "gradcore.data.csv_text",
    "encoding": "gradcore.data.encoding",
    "exercises_calculus": "gradcore.exercises.calculus",
    "exercises_regression": "gradcore.exercises.regression",
    "exercise_checks": "gradcore.exercises.checks",
    "exercise_seeds": "gradcore.exercises.seeds",
    "answers": "gradcore.exercises.answers",
}


def _keep_old_paths() -> None:
    import importlib
    import sys

    for old, new in _MOVED.items():
        module = importlib.import_module(new)
        sys.modules.setdefault(f"{__name__}.{old}", module)
        globals().setdefault(old, module)


_keep_old_paths()

__all__ = [name for name in dir() if not name.startswith("_")]
