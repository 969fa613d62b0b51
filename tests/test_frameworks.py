"""gradcore.calculus.frameworks: the autograd column measured, gradcore's column computed, every
cell sourced, and the two exercises built from the table."""

import autograd
import autograd.numpy as anp
import pytest

from gradcore.calculus.frameworks import (
    BY_KEY,
    CHECKS,
    FRAMEWORKS,
    KINK_TABLE,
    Cell,
    Row,
    frameworks_returning,
    pointer,
    project_value,
    row_for,
    source_rows,
    table_rows,
)
from gradcore.exercises.catalogue import BY_ID
from gradcore.exercises.frameworks import UNIQUE_QUESTIONS, assert_unique
from gradcore.expressions.expression import parse_expression

# Exact: at a tie autograd's rules return 0, 1/2 or 1 (and their negatives), all exact floats.
TOL = 0.0
# Each row as HIPS autograd code writes it (the issue's spelling: relu as np.maximum(x, 0)).
AUTOGRAD_ROWS = {
    "relu": lambda x: anp.maximum(x, 0.0),
    "abs": lambda x: anp.abs(x),
    "max": lambda x: anp.maximum(x, 1.0),
    "clamp": lambda x: anp.clip(x, 0.0, 1.0),
    "hinge": lambda x: anp.maximum(0.0, 1.0 - x),
}


def test_autograd_version_is_the_one_the_table_names():
    """The column says autograd 1.9.1: the installed autograd is that release."""
    from importlib.metadata import version

    assert version("autograd") == "1.9.1"
    assert all(row.cells["HIPS autograd"].version.startswith("1.9.1") for row in KINK_TABLE)


@pytest.mark.parametrize("row", KINK_TABLE, ids=lambda r: r.key)
def test_autograd_column_is_what_autograd_returns(row):
    """autograd.grad of the row, written as the cell says, at the kink equals the cell."""
    cell = row.cells["HIPS autograd"]
    assert cell.check == "run"
    measured = float(autograd.grad(AUTOGRAD_ROWS[row.key])(row.point))
    assert abs(measured - cell.value) <= TOL, (row.key, measured, cell.value)


def test_autograd_splits_a_tie_of_max_evenly_whichever_argument_x_is():
    """The autograd convention the table cites: ∂max/∂x at a tie is 1/2 in either slot."""
    first = autograd.grad(lambda x: anp.maximum(x, 2.0))(2.0)
    second = autograd.grad(lambda x: anp.maximum(2.0, x))(2.0)
    assert (float(first), float(second)) == (0.5, 0.5)


def test_the_autograd_check_notices_a_wrong_cell():
    """Plant a wrong value (relu′(0) = 0, PyTorch's) in the autograd column: the check fails."""
    measured = float(autograd.grad(AUTOGRAD_ROWS["relu"])(0.0))
    assert abs(measured - BY_KEY["relu"].cells["PyTorch"].value) > TOL


@pytest.mark.parametrize("row", KINK_TABLE, ids=lambda r: r.key)
def test_project_column_is_gradcores_own_slope(row):
    """gradcore's column equals parse_expression(formula).gradient at the kink, the midpoint of
    the one-sided slopes."""
    expression = parse_expression(row.formula, ("x",))
    slope = float(expression.gradient([row.point])[0])
    kink = expression.kink(row.point)
    assert kink is not None, f"{row.formula} has no kink at {row.point}"
    assert slope == pytest.approx(row.ours, abs=1e-12)
    assert slope == pytest.approx((kink.left + kink.right) / 2, abs=1e-12)
    assert project_value(row) == pytest.approx(row.ours, abs=1e-12)


@pytest.mark.parametrize("key", ["relu", "abs", "hinge"])
def test_catalogue_rows_match_the_catalogue_function(key):
    """A row that names a catalogue function has its kink where the catalogue has one."""
    from gradcore import CATALOGUE

    row = BY_KEY[key]
    assert row.point in CATALOGUE[row.catalogue].kinks
    assert float(CATALOGUE[row.catalogue].gradient(row.point)) == pytest.approx(row.ours)


def test_every_cell_is_sourced():
    """Each of the 5 × 5 cells names its spelling, version, deciding line, link and check."""
    assert [row.key for row in KINK_TABLE] == ["relu", "abs", "max", "clamp", "hinge"]
    for row in KINK_TABLE:
        assert tuple(row.cells) == FRAMEWORKS
        for name, cell in row.cells.items():
            assert cell.written and cell.version and cell.source, (row.key, name)
            assert cell.url.startswith("https://github.com/"), (row.key, name)
            assert cell.check in CHECKS
            if cell.check == "conflict":
                assert "issue" in cell.note, (row.key, name)


def test_the_issue_facts_the_source_confirms():
    """The cited facts: relu′(0) PyTorch 0, JAX 0, TF 0, micrograd 0; abs′(0) JAX 1 and the
    others 0; a tie of max 0.5 except TensorFlow's first argument 1; hinge JAX −0.5."""
    values = {row.key: {n: c.value for n, c in row.cells.items()} for row in KINK_TABLE}
    assert values["relu"] == {"PyTorch": 0, "JAX": 0, "TensorFlow": 0, "HIPS autograd": 0.5,
                              "micrograd": 0}
    assert values["abs"] == {"PyTorch": 0, "JAX": 1, "TensorFlow": 0, "HIPS autograd": 0,
                             "micrograd": None}
    assert values["max"] == {"PyTorch": 0.5, "JAX": 0.5, "TensorFlow": 1,
                             "HIPS autograd": 0.5, "micrograd": None}
    assert values["hinge"]["JAX"] == -0.5 and values["hinge"]["TensorFlow"] == 0
    assert frameworks_returning("abs", 1.0) == ("JAX",)


def test_pytorch_clamp_disagrees_with_the_issue_and_says_so():
    """clamp_backward returns the subgradient 1 at a bound: marked as a conflict, not hidden."""
    cell = BY_KEY["clamp"].cells["PyTorch"]
    assert (cell.value, cell.check) == (1.0, "conflict")
    assert "subgradient 1" in cell.source and "0.5" in cell.note
    assert "*" in table_rows()[3]["PyTorch"]


def test_malformed_rows_and_cells_are_refused():
    """A cell with an unknown check, or a row missing a framework, raises ValueError."""
    with pytest.raises(ValueError, match="unknown check"):
        Cell(0.0, "f(x)", "1.0", "line", "https://github.com/a/b", check="guess")
    with pytest.raises(ValueError, match="one cell per framework"):
        Row("r", "r′(0)", "abs(x)", 0.0, None, 0.0, "why",
            {"PyTorch": BY_KEY["abs"].cells["PyTorch"]})


def test_table_and_source_rows_for_the_page():
    """Plain rows: one per kink with every framework and gradcore, one per cell with its link."""
    rows = table_rows()
    assert len(rows) == len(KINK_TABLE)
    assert set(rows[0]) >= {"At the kink", *FRAMEWORKS, "Gradient Lab (gradcore)"}
    assert rows[1]["JAX"].startswith("1") and rows[1]["Gradient Lab (gradcore)"] == "0"
    sources = source_rows()
    assert len(sources) == len(KINK_TABLE) * len(FRAMEWORKS)
    assert all(line["Source"].startswith("https://") for line in sources)


def test_pointer_for_the_derivatives_page():
    """row_for finds the row of a catalogue kink only at its point; the line names the values."""
    assert row_for("abs", 0.0) is BY_KEY["abs"] and row_for("hinge", 1.0) is BY_KEY["hinge"]
    assert row_for("abs", 0.5) is None and row_for("square", 0.0) is None
    assert row_for("typed", 0.0) is None
    line = pointer(BY_KEY["abs"])
    assert "PyTorch 0" in line and "JAX 1" in line and "Gradient Lab 0" in line
    assert "micrograd" not in line  # it has no abs


@pytest.mark.parametrize("question", UNIQUE_QUESTIONS)
def test_which_framework_questions_have_one_answer(question):
    """Every question the exercise can ask has exactly one right framework."""
    assert_unique(*question)


def test_a_question_with_two_answers_is_refused():
    """hinge at −0.5 is JAX and autograd: not a fair "which framework" question."""
    with pytest.raises(ValueError, match="2 frameworks"):
        assert_unique("hinge", -0.5)


@pytest.mark.parametrize("answer, advice", [
    ("PyTorch", "PyTorch returns 0"), ("tf", "TensorFlow returns 0"),
    ("HIPS autograd", "HIPS autograd returns 0"), ("micrograd", "no such operation"),
])
def test_which_framework_names_what_the_wrong_one_returns(answer, advice):
    """|x|′(0) = 1: each wrong framework's feedback says what that framework returns."""
    feedback = BY_ID["kink-framework"].check(answer)
    assert not feedback.correct and advice in feedback.message, feedback.message


def test_which_framework_accepts_jax_in_other_words():
    """"JAX", "jax" and "jnp" are all JAX; the right answer lists what the others return."""
    for answer in ("JAX", "jax", "it is jnp"):
        feedback = BY_ID["kink-framework"].check(answer)
        assert feedback.correct and "PyTorch returns 0" in feedback.message


@pytest.mark.parametrize("seed, answer, advice", [
    (0, "0", "PyTorch, TensorFlow and micrograd return"),
    (0, "-1", "slope from the left only"),
    (1, "1", "slope from the right only"),
    (1, "0", "PyTorch, JAX, TensorFlow and micrograd return"),
])
def test_kink_convention_names_the_framework_behind_a_wrong_value(seed, answer, advice):
    """gradcore's value at the kink: a framework's value or a one-sided slope is named."""
    feedback = BY_ID["kink-convention"].check(answer, seed=seed)
    assert not feedback.correct and advice in feedback.message, feedback.message
