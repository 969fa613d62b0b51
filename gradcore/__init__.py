"""gradcore: the math behind Gradient Lab. Never imports streamlit or plotly.

Everything a page or a notebook needs is importable from here: ``from gradcore import ...``.
Add a new public name to the import block of its module below (one block per module).
"""

from gradcore.answers import AnswerError
from gradcore.curvature import (
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
from gradcore.data import (
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
from gradcore.diagnostics import data_warnings
from gradcore.encoding import MAX_CATEGORIES, one_hot
from gradcore.engine import FitTrajectory, fit, loss_surface
from gradcore.errors import DataError, ExpressionError
from gradcore.exercises import (
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
from gradcore.export import export_script
from gradcore.expressions import Expression, kink_at, parse_expression
from gradcore.functions import (
    CATALOGUE,
    DOT_X,
    KINK_KEYS,
    ONE_D_KEYS,
    CatalogueFunction,
    display_name,
    get_function,
    squared_norm_text,
)
from gradcore.kinks import Kink
from gradcore.losses import (
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
from gradcore.numeric import (
    RTOL,
    GradientCheck,
    derivative_1d,
    gradient_check,
    numeric_gradient,
    one_sided_derivatives,
    relative_error,
)
from gradcore.optimizers import OPTIMIZER_TABLE, OPTIMIZERS, SCHEDULES, Optimizer
from gradcore.parsing import FUNCTIONS, MAX_LENGTH, check_variable_name
from gradcore.reference import Comparison, compare_with_sklearn, sklearn_reference
from gradcore.regression import (
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
from gradcore.standardize import Standardizer
from gradcore.statistics import RegressionStatistics, regression_statistics
from gradcore.stopping import STOP_REASONS
from gradcore.subgradients import (
    STEP_RULES,
    SubgradientRun,
    SupportCheck,
    subdifferential,
    subgradient_method,
    supporting_line_check,
)

__all__ = [name for name in dir() if not name.startswith("_")]
