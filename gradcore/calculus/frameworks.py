"""What automatic differentiation returns at a kink, framework by framework (issue 29).

At a kink f′ does not exist, yet every framework's automatic differentiation returns *some*
number there: whichever branch the code that defines the operation's derivative picks on a
tie. ``KINK_TABLE`` lists five kinks (rows) and, per framework (``FRAMEWORKS``), a
:class:`Cell`: the value returned, how the function was written, the version or commit the
fact was checked against, the line of source that decides it, where that source is, and how
the fact was checked (``CHECKS``).

How each column was checked (see ``Cell.check``):

- ``"run"``: HIPS autograd (a small pure-Python dev requirement) is run on each row by
  ``tests/test_frameworks.py``, written as autograd code writes it (relu as
  ``np.maximum(x, 0)``), so that column is measured, not cited.
- ``"source"``: PyTorch, JAX, TensorFlow and micrograd are not installed here; their cells
  are read from the source line quoted in ``Cell.source`` (at the commit in ``Cell.version``).
- ``"issue"``: the value is the issue author's measurement and was not re-checked here.
- ``"conflict"``: the source read here disagrees with the issue's measurement; ``Cell.note``
  says how.

This project's own column (``OURS``) is not cited but computed: gradcore's slope at the kink,
the midpoint (f′₋ + f′₊)/2 of the one-sided slopes (``gradcore.expressions.kinks``), which
``project_value`` reads from ``parse_expression(row.formula).gradient``; the tests check that
it matches ``Row.ours``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradcore.expressions.expression import trusted_expression

FRAMEWORKS = ("PyTorch", "JAX", "TensorFlow", "HIPS autograd", "micrograd")
OURS = "Gradient Lab (gradcore)"
CHECKS = {
    "run": "run here by tests/test_frameworks.py",
    "source": "read in the framework's source",
    "issue": "as measured by the issue's author, not re-checked here",
    "conflict": "the source read here disagrees with the issue's measurement",
}

_TORCH_YAML = "https://github.com/pytorch/pytorch/blob/main/tools/autograd/derivatives.yaml"
_TORCH_MANUAL = ("https://github.com/pytorch/pytorch/blob/002ca6715ba1ab4d2369262b487eeb30bf249911/"
                 "torch/csrc/autograd/FunctionsManual.cpp")
_TORCH = "2.x source on main"
_JAX_NN = ("https://github.com/jax-ml/jax/blob/f936613b06de89e9941d3cae52bb56c971ddb4d1/"
           "jax/_src/nn/functions.py")
_JAX_LAX = "https://github.com/jax-ml/jax/blob/main/jax/_src/lax/lax.py"
_JAX_MAX = "https://github.com/jax-ml/jax/pull/2342"
_JAX = "source: nn/functions.py @ f936613, lax.py on main"
_TF_GRAD = "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/ops/math_grad.py"
_TF_CLIP = "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/ops/clip_ops.py"
_TF_RELU = ("https://github.com/tensorflow/tensorflow/blob/master/"
            "tensorflow/core/kernels/relu_op_functor.h")
_TF = "2.x source on master"
_AG = "https://github.com/HIPS/autograd/blob/master/autograd/numpy/numpy_vjps.py"
_AG_VERSION = "1.9.1 (run here)"
_MG = ("https://github.com/karpathy/micrograd/blob/028a09ca7eee149c8fd958400ce2386e579f45c8/"
       "micrograd/engine.py")
_MG_VERSION = "0.1.0 source (engine.py @ 028a09c)"


@dataclass(frozen=True)
class Cell:
    """One framework's answer at one kink.

    ``value`` is what its automatic differentiation returns (None: the framework has no such
    operation); ``written`` the code it was asked about; ``version`` the release or commit the
    fact holds for; ``source`` the function or line that decides it and ``url`` where it is;
    ``check`` one of ``CHECKS``; ``note`` anything a reader must know (another spelling that
    gives another number, a disagreement with the issue).
    """

    value: float | None
    written: str
    version: str
    source: str
    url: str
    check: str = "source"
    note: str = ""

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}: use one of {', '.join(CHECKS)}")


@dataclass(frozen=True)
class Row:
    """One kink: ``label`` as the page prints it, gradcore's ``formula`` (one variable x) and
    the ``point`` x of the kink, the ``catalogue`` key of the same function (None if the
    catalogue has none), gradcore's value ``ours`` and ``why`` it is that, and one
    :class:`Cell` per name in ``FRAMEWORKS``."""

    key: str
    label: str
    formula: str
    point: float
    catalogue: str | None
    ours: float
    why: str
    cells: dict[str, Cell]

    def __post_init__(self) -> None:
        if set(self.cells) != set(FRAMEWORKS):
            raise ValueError(f"row {self.key!r} needs one cell per framework: {FRAMEWORKS}")


_MIDPOINT = "the midpoint of the one-sided slopes {left} and {right}"

KINK_TABLE: tuple[Row, ...] = (
    Row("relu", "relu′(0)", "relu(x)", 0.0, "relu", 0.5,
        _MIDPOINT.format(left=0, right=1),
        {"PyTorch": Cell(0.0, "torch.relu(x)", _TORCH,
                         "derivatives.yaml relu: threshold_backward(grad, result, 0) "
                         "(0 where result ≤ 0)", _TORCH_YAML),
         "JAX": Cell(0.0, "jax.nn.relu(x)", _JAX,
                     "relu custom JVP: lax.select(x > 0, g, 0)", _JAX_NN,
                     note="A later revision seen on main writes relu as lax.select(x >= 0, "
                          "x, 0) without the custom JVP while its docstring still promises "
                          "∇relu(0) = 0 (tested since jax-ml/jax#25392); not re-checked here."),
         "TensorFlow": Cell(0.0, "tf.nn.relu(x)", _TF,
                            "ReluGrad: gradients * (features > 0)", _TF_RELU),
         "HIPS autograd": Cell(0.5, "np.maximum(x, 0.0)", _AG_VERSION,
                               "maximum VJP: balanced_eq = (x == ans) / (1 + (x == y))", _AG,
                               check="run"),
         "micrograd": Cell(0.0, "x.relu()", _MG_VERSION,
                           "Value.relu: self.grad += (out.data > 0) * out.grad", _MG)}),
    Row("abs", "abs′(0)", "abs(x)", 0.0, "abs", 0.0,
        _MIDPOINT.format(left="−1", right=1) + " (sign(0) = 0)",
        {"PyTorch": Cell(0.0, "torch.abs(x)", _TORCH,
                         "derivatives.yaml abs: grad * self.sgn() (sgn(0) = 0)", _TORCH_YAML),
         "JAX": Cell(1.0, "jnp.abs(x)", _JAX,
                     "lax _abs_jvp_rule: select(ge(x, 0), g, neg(g))", _JAX_LAX),
         "TensorFlow": Cell(0.0, "tf.abs(x)", _TF,
                            "_AbsGrad: grad * math_ops.sign(x)", _TF_GRAD),
         "HIPS autograd": Cell(0.0, "np.abs(x)", _AG_VERSION,
                               "np_abs_vjp: g * replace_zero(conj(x), 0) / replace_zero(ans, 1)",
                               _AG, check="run"),
         "micrograd": Cell(None, "(no abs)", _MG_VERSION,
                           "Value has +, *, **, relu only", _MG)}),
    Row("max", "∂max(x, y)/∂x at x = y", "max(x, 1)", 1.0, None, 0.5,
        _MIDPOINT.format(left=0, right=1) + " (a tie is split evenly)",
        {"PyTorch": Cell(0.5, "torch.maximum(x, y)", _TORCH,
                         "derivatives.yaml maximum: where(self == other, grad / 2, grad)",
                         _TORCH_YAML),
         "JAX": Cell(0.5, "jnp.maximum(x, y)", _JAX,
                     "lax.max JVP splits a tie evenly (the autograd convention, "
                     "jax-ml/jax#2342; measured in jax-ml/jax#37821)", _JAX_MAX),
         "TensorFlow": Cell(1.0, "tf.maximum(x, y)", _TF,
                            "_MaximumGrad: xmask = greater_equal(x, y): a tie goes to the "
                            "first argument", _TF_GRAD,
                            note="1 when x is the first argument, 0 when it is the second: "
                                 "tf.maximum(x, 0)′ = 1 but tf.maximum(0, x)′ = 0."),
         "HIPS autograd": Cell(0.5, "np.maximum(x, y)", _AG_VERSION,
                               "maximum VJP: balanced_eq = (x == ans) / (1 + (x == y))", _AG,
                               check="run"),
         "micrograd": Cell(None, "(no max)", _MG_VERSION,
                           "Value has +, *, **, relu only", _MG)}),
    Row("clamp", "clamp(x, 0, 1)′ at the bound 0", "min(max(x, 0), 1)", 0.0, None, 0.5,
        _MIDPOINT.format(left=0, right=1),
        {"PyTorch": Cell(1.0, "torch.clamp(x, 0.0, 1.0)", "2.x source (FunctionsManual.cpp @ 002ca67)",
                         "clamp_backward: where((self >= min) & (self <= max), grad, 0), "
                         "commented 'we return the subgradient 1'", _TORCH_MANUAL,
                         check="conflict",
                         note="The issue measured 0 with number bounds and 0.5 with a tensor "
                              "bound; both clamp_backward overloads read here return 1 at a "
                              "bound (0.5 is what torch.maximum gives on a tie)."),
         "JAX": Cell(0.5, "jnp.clip(x, 0.0, 1.0)", _JAX,
                     "jnp.clip = maximum(min, x) then minimum(max, ·): the maximum tie gives "
                     "0.5; lax.clamp's JVP select(gt(x, min) & lt(x, max), g, 0) gives 0",
                     _JAX_LAX, note="jax.lax.clamp(0.0, x, 1.0) returns 0 here."),
         "TensorFlow": Cell(1.0, "tf.clip_by_value(x, 0.0, 1.0)", _TF,
                            "clip_by_value = maximum(minimum(x, max), min); maximum's tie goes "
                            "to its first argument", _TF_CLIP),
         "HIPS autograd": Cell(0.0, "np.clip(x, 0.0, 1.0)", _AG_VERSION,
                               "clip VJP: g * logical_and(ans != a_min, ans != a_max)", _AG,
                               check="run"),
         "micrograd": Cell(None, "(no clamp)", _MG_VERSION,
                           "Value has +, *, **, relu only", _MG)}),
    Row("hinge", "hinge max(0, 1 − x)′ at 1", "max(0, 1 - x)", 1.0, "hinge", -0.5,
        _MIDPOINT.format(left="−1", right=0),
        {"PyTorch": Cell(0.0, "torch.relu(1 - x)", _TORCH,
                         "relu's threshold_backward: 0 where result ≤ 0", _TORCH_YAML,
                         note="Spelling matters: torch.clamp(1 - x, min=0) gives −1 (clamp's "
                              "subgradient 1) and torch.maximum(0, 1 - x) gives −0.5."),
         "JAX": Cell(-0.5, "jnp.maximum(0.0, 1 - x)", _JAX,
                     "lax.max JVP splits a tie evenly", _JAX_MAX,
                     note="jax.nn.relu(1 - x) gives 0."),
         "TensorFlow": Cell(0.0, "tf.maximum(0.0, 1 - x)", _TF,
                            "_MaximumGrad: the tie goes to the first argument, the constant 0",
                            _TF_GRAD, note="tf.nn.relu(1 - x) gives 0 too."),
         "HIPS autograd": Cell(-0.5, "np.maximum(0.0, 1 - x)", _AG_VERSION,
                               "maximum VJP: balanced_eq splits the tie", _AG, check="run"),
         "micrograd": Cell(0.0, "(1 - x).relu()", _MG_VERSION,
                           "Value.relu: (out.data > 0) * out.grad", _MG)}),
)
BY_KEY: dict[str, Row] = {row.key: row for row in KINK_TABLE}
WHY_MIDPOINT = (
    "Gradient Lab returns the midpoint of the two one-sided slopes at every kink: it is the "
    "limit of the central difference (f(x + h) − f(x − h))/(2h), so the page's finite-"
    "difference check agrees with it; it is what the f′ formula shown on the page gives there "
    "(sign(0) = 0, Heaviside(0) = 1/2); and at a convex kink it lies inside the "
    "subdifferential and favours neither side.")
WHY_FRAMEWORKS_DIFFER = (
    "At a kink f′ does not exist, so each framework's derivative code simply picks a branch on "
    "a tie: a strict test such as x > 0 gives the left slope, x >= 0 the right one, and an even "
    "split of a tie in max gives the midpoint. The number depends on the framework, on the "
    "operation and even on how the same function is spelled (relu(1 − x) or max(0, 1 − x)). "
    "Any value in the subdifferential is a valid subgradient, so all of these can train a "
    "convex model; they differ only exactly on the kink.")


def project_value(row: Row) -> float:
    """gradcore's slope of ``row.formula`` at ``row.point``: ``Expression.gradient`` there
    (the midpoint convention at a kink)."""
    return float(trusted_expression(row.formula, ("x",)).gradient([row.point])[0])


def value_text(value: float | None) -> str:
    """A cell's number as the table prints it: '—' for an operation the framework lacks."""
    if value is None:
        return "—"
    return f"{value:g}".replace("-", "−")


def table_rows() -> list[dict[str, str]]:
    """The table as plain rows (one dict per kink, columns: the kink, each framework's value
    (marked * where the source disagrees with the issue), gradcore's value and why): what a
    page hands to a dataframe. How each was written is in :func:`source_rows`."""
    out = []
    for row in KINK_TABLE:
        line = {"At the kink": row.label}
        for name in FRAMEWORKS:
            cell = row.cells[name]
            mark = " *" if cell.check in ("issue", "conflict") else ""
            line[name] = f"{value_text(cell.value)}{mark}"
        line[OURS] = value_text(row.ours)
        line["Why gradcore's value"] = row.why
        out.append(line)
    return out


def source_rows() -> list[dict[str, str]]:
    """One row per cell: framework, kink, value, version, deciding source line, link, check."""
    return [{"Framework": name, "At the kink": row.label, "Returns": value_text(cell.value),
             "Written as": cell.written, "Version": cell.version, "Decided by": cell.source,
             "Source": cell.url, "Checked": CHECKS[cell.check], "Note": cell.note}
            for row in KINK_TABLE for name, cell in row.cells.items()]


def row_for(catalogue_key: str | None, x: float) -> Row | None:
    """The table's row for the catalogue function ``catalogue_key`` with its kink at x (None
    if the table has no such row): what the Derivatives page points to."""
    for row in KINK_TABLE:
        if row.catalogue is not None and row.catalogue == catalogue_key and row.point == x:
            return row
    return None


def pointer(row: Row) -> str:
    """One line for a page that names this kink: what each framework returns there."""
    parts = [f"{name} {value_text(cell.value)}" for name, cell in row.cells.items()
             if cell.value is not None]
    return (f"At this kink frameworks disagree: {', '.join(parts)}; Gradient Lab "
            f"{value_text(row.ours)}. The Subgradients page has the table with the source "
            "line behind each number.")


def frameworks_returning(row_key: str, value: float) -> tuple[str, ...]:
    """The frameworks whose cell in row ``row_key`` is ``value`` (exact: these are the
    numbers 0, ±0.5 and 1)."""
    return tuple(name for name, cell in BY_KEY[row_key].cells.items() if cell.value == value)
