"""gradcore.expressions.symbolic: fold, print and differentiate a tree within budgets; each stage that runs
out of time or size is answered (refusal, placeholder, note), never left hanging."""

import contextlib

import pytest

from gradcore import ExpressionError
from gradcore.expressions import symbolic
from gradcore.expressions.parsing import read_formula
from gradcore.expressions.symbolic import (
    DERIVATIVE_NOTE,
    NOT_DIFFERENTIATED,
    TOO_LONG_TO_SHOW,
    OutOfTime,
    analyse,
)


def analysed(text: str, budget=symbolic.no_budget):
    source = read_formula(text)
    return analyse(source.tree, source.variables, budget)


BUILD, LATEX, DERIVATIVE = 1, 2, 3  # the order in which analyse starts its stages


def budget_running_out_at(stage: int):
    """A budget under which the ``stage``-th stage runs out at once (the others never do)."""
    started = []

    @contextlib.contextmanager
    def budget(seconds):
        started.append(seconds)
        if len(started) == stage:
            raise OutOfTime
        yield
    return budget


def test_analysis_holds_the_folded_tree_latex_and_derivatives():
    """x - x + x^2: folded to x^2, LaTeX x^{2}, derivative 2x as LaTeX and as a tree."""
    result = analysed("x - x + x^2")
    assert result.tree == ("pow", ("var", "x"), ("int", 2))
    assert result.latex == "x^{2}" and result.gradient_latex == ("2 x",)
    assert result.partials == (("mul", ("int", 2), ("var", "x")),)
    assert result.notes == ()


def test_a_build_out_of_time_is_refused_as_too_complex():
    """No time to fold the formula: ExpressionError 'too complex to read here'."""
    with pytest.raises(ExpressionError, match="too complex to read here"):
        analysed("x^2", budget_running_out_at(BUILD))


def test_latex_out_of_time_gives_a_placeholder():
    """No time to print f: its LaTeX is the placeholder, the rest is there."""
    result = analysed("sin(x)", budget_running_out_at(LATEX))
    assert result.latex == TOO_LONG_TO_SHOW and result.gradient_latex == (r"\cos{\left(x \right)}",)


def test_derivative_out_of_time_gives_placeholders_and_a_note():
    """No time to differentiate: one placeholder per variable, no partials, a note says so."""
    result = analysed("x*y", budget_running_out_at(DERIVATIVE))
    assert result.gradient_latex == (NOT_DIFFERENTIATED, NOT_DIFFERENTIATED)
    assert result.partials is None and result.notes == (DERIVATIVE_NOTE,)


def test_derivative_past_the_node_budget_is_not_shown(monkeypatch):
    """A partial with more than MAX_DERIVATIVE_NODES nodes is treated like one out of time."""
    monkeypatch.setattr(symbolic, "MAX_DERIVATIVE_NODES", 5)
    assert analysed("x^2").partials is not None
    assert analysed("sin(x)*cos(x)^2").gradient_latex == (NOT_DIFFERENTIATED,)


def test_a_folded_tree_past_the_node_budget_is_refused(monkeypatch):
    """A formula whose folded tree has more than MAX_TREE_NODES nodes is too complex."""
    monkeypatch.setattr(symbolic, "MAX_TREE_NODES", 5)
    assert analysed("x + 1").tree
    with pytest.raises(ExpressionError, match="too complex to read here"):
        analysed("x^2 + y^2 + x*y")
