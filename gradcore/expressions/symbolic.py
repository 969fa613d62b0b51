"""The symbolic half of a formula: sympy's folding, LaTeX and derivatives, under time budgets.

``analyse(tree, variables, budget)`` is the one job the worker process runs (gradcore.expressions.worker):

1. build the sympy expression under the limits (``folding.to_sympy``), refuse what is undefined
   everywhere, and turn the folded expression back into a tree (what numpy will evaluate);
2. its LaTeX;
3. the partial derivatives, each refused past ``MAX_DERIVATIVE_NODES`` nodes, and their LaTeX
   (one budget for all of them).

Each stage runs under ``budget(seconds)``, a context manager that raises ``OutOfTime`` when the
time is up (the worker arms a CPU-time timer; in this process it is a no-op, for formulas
written in the code). A stage that runs out of time is answered, not fatal: step 1 with an ExpressionError
("too complex"), step 2 with a placeholder, step 3 with the placeholder and a note; the numeric
value and slopes come from the tree and need none of it (gradcore.expressions.evaluation).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import sympy

from gradcore.errors import ExpressionError
from gradcore.expressions.folding import check_real, from_sympy, to_sympy
from gradcore.expressions.tree import Tree, show, size

BUILD_SECONDS = 0.4
LATEX_SECONDS = 0.1
DERIVATIVE_SECONDS = 0.25
TOTAL_SECONDS = BUILD_SECONDS + LATEX_SECONDS + DERIVATIVE_SECONDS
MAX_TREE_NODES = 2_000
MAX_DERIVATIVE_NODES = 3_000
MAX_LATEX_LENGTH = 10_000
TOO_COMPLEX_TO_READ = ("'{text}' is too complex to read here: sympy needs more than "
                       f"{BUILD_SECONDS:g} s of CPU time to simplify it, the limit per formula. "
                       "Try a shorter formula or one with fewer max, min and abs.")
TOO_LONG_TO_SHOW = r"\text{(too long to show)}"
NOT_DIFFERENTIATED = r"\text{(too complex to differentiate symbolically here)}"
DERIVATIVE_NOTE = ("this formula is too complex to differentiate symbolically here, so its "
                   "derivative is not shown as a formula; the slopes are still exact "
                   "(computed node by node).")


def too_complex(message: str) -> bool:
    """True for the message of a formula refused only because sympy's work on it ran past its
    budget (``TOO_COMPLEX_TO_READ``; the worker server's CPU and memory kills say "too complex
    to work with here"), not because it broke a limit or is undefined."""
    return "is too complex to read here" in message or "is too complex to work with here" in \
        message


class OutOfTime(BaseException):
    """A stage's time is up. A BaseException, so no ``except Exception`` in sympy swallows it."""


def no_budget(seconds: float):
    """The budget of formulas written in the code: no timer."""
    return contextlib.nullcontext()


@dataclass(frozen=True)
class Analysis:
    """What the worker sends back (picklable: trees and strings).

    ``tree``: the folded formula (gradcore.expressions.tree); ``latex``: its LaTeX; ``gradient_latex``: one
    LaTeX string per variable; ``partials``: the trees of ∂f/∂vᵢ, or None when they were too
    complex; ``notes``: plain-text remarks for the student (empty when all went well).
    """

    tree: Tree
    latex: str
    gradient_latex: tuple[str, ...]
    partials: tuple[Tree, ...] | None
    notes: tuple[str, ...] = ()


def _sympy_size(expr: sympy.Expr, limit: int) -> int:
    """Nodes of ``expr`` as a tree (shared parts counted each time), stopping past ``limit``."""
    count, stack = 0, [expr]
    while stack and count <= limit:
        count += 1
        stack.extend(stack.pop().args)
    return count


def _latex(expr: sympy.Expr, budget: Callable) -> str:
    try:
        with budget(LATEX_SECONDS):
            text = sympy.latex(expr)
    except (OutOfTime, RecursionError):
        return TOO_LONG_TO_SHOW
    return text if len(text) <= MAX_LATEX_LENGTH else TOO_LONG_TO_SHOW


def _fold(tree: Tree, symbols: dict, budget: Callable) -> tuple[sympy.Expr, Tree]:
    text = show(tree)
    try:
        with budget(BUILD_SECONDS):
            expr = to_sympy(tree, symbols)
            check_real(expr, text)
            folded = from_sympy(expr)
    except (OutOfTime, RecursionError):
        raise ExpressionError(TOO_COMPLEX_TO_READ.format(text=text)) from None
    if size(folded, MAX_TREE_NODES) > MAX_TREE_NODES:
        raise ExpressionError(TOO_COMPLEX_TO_READ.format(text=text))
    return expr, folded


def _partials(expr: sympy.Expr, symbols: list, budget: Callable):
    """(LaTeX of each partial, their trees), or None when too large, too slow or not
    evaluable."""
    try:
        with budget(DERIVATIVE_SECONDS):
            partials = []
            for symbol in symbols:
                partial = sympy.diff(expr, symbol)
                if _sympy_size(partial, MAX_DERIVATIVE_NODES) > MAX_DERIVATIVE_NODES:
                    return None
                partials.append(partial)
            trees = tuple(from_sympy(p) for p in partials)
            shown = tuple(sympy.latex(p) for p in partials)
    except (OutOfTime, RecursionError, ExpressionError):
        return None
    return tuple(t if len(t) <= MAX_LATEX_LENGTH else TOO_LONG_TO_SHOW for t in shown), trees


def analyse(tree: Tree, variables: tuple[str, ...], budget: Callable = no_budget) -> Analysis:
    """Fold, print and differentiate ``tree`` in ``variables`` (module docstring).

    Raises ExpressionError if the folded formula breaks a limit, is undefined everywhere, or
    cannot even be folded within its time.
    """
    symbols = {name: sympy.Symbol(name, real=True) for name in variables}
    expr, folded = _fold(tree, symbols, budget)
    latex = _latex(expr, budget)
    found = _partials(expr, list(symbols.values()), budget)
    if found is None:
        return Analysis(folded, latex, (NOT_DIFFERENTIATED,) * len(variables), None,
                        (DERIVATIVE_NOTE,))
    gradient_latex, trees = found
    return Analysis(folded, latex, gradient_latex, trees)
