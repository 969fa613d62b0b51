"""User-typed formulas: parse safely, let sympy fold and differentiate them in a worker process,
evaluate them with numpy here.

``parse_expression(text, variables=None)`` reads the text under a whitelist into a formula tree
(``gradcore.expressions.parsing``: no ``eval``/``sympify`` ever), has sympy fold it, print it as LaTeX and
differentiate it in a worker process with time and memory limits (``gradcore.expressions.symbolic``,
``gradcore.expressions.worker``: a formula that would freeze sympy cannot hold this process), and returns an
``Expression``. Its values and slopes come from the folded tree, evaluated with numpy in this
process (``gradcore.expressions.evaluation``): the exact derivative, node by node, in microseconds, with no
sympy on the way. So a formula whose symbolic derivative is too large to show still has exact
slopes: ``gradient_latex`` then holds a placeholder and ``notes`` says why.

Domain: ``Expression.value`` and ``.gradient`` never return inf or nan. At a point outside the
domain (``log(-1)``, ``sqrt(-4)``, ``1/x`` at 0, overflow) they raise ``ExpressionError`` with a
message such as "log(x) is undefined at x = -1: log needs a positive argument, but log(x) gets
-1 here". The vectorised ``.evaluate`` / ``.evaluate_gradient`` (for plots) return nan there
instead, so a curve shows a gap.

Kinks (one variable): at a kink ``gradient`` returns the midpoint of the slopes from the
left and from the right, (f′₋ + f′₊)/2, and ``kink(x0)`` / ``kink_at(expression, x0)`` describe
the kink (see ``gradcore.expressions.kinks`` for the convention, why it was chosen, and how a kink is found).
With several variables each partial derivative follows sympy's rules, which give the same
midpoint for a single abs or max node (sign(0) = 0, Heaviside(0) = 1/2).

``notes`` says how the text was read where a student may have meant something else (a glued
name such as 'sinx' or 'xy' is one variable), or that the derivative was too complex to show:
plain text, one sentence each.

Only ``trusted_expression`` (for formulas written in gradcore's own code, such as the catalogue)
and the ``sympy`` and ``partials`` attributes (for notebooks and tests; no page reads them) run
sympy in the calling process.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, lru_cache

import numpy as np
import sympy

from gradcore.errors import ExpressionError
from gradcore.expressions import worker
from gradcore.expressions.evaluation import Program, diagnose
from gradcore.expressions.folding import to_sympy
from gradcore.expressions.kinks import (
    Kink,
    on_switch,
    one_sided_slopes,
    polynomial_kink_candidates,
    same_slope,
    switch_arguments,
)
from gradcore.expressions.parsing import Source, read_formula
from gradcore.expressions.symbolic import Analysis, analyse
from gradcore.expressions.tree import Tree, size, substitute

MAX_SWITCH_NODES = 20_000
# Symbolic analyses of gradcore's own formulas (catalogue entries, their compositions and
# derivatives) kept per (tree, variables), like the worker's cache for typed ones: the chain-rule
# page composes two catalogue functions on every rerun, which cost sympy 1-10 ms each time.
TRUSTED_CACHE_SIZE = 256


@lru_cache(maxsize=TRUSTED_CACHE_SIZE)
def _analyse_trusted(tree: Tree, variables: tuple[str, ...]) -> Analysis:
    return analyse(tree, variables)


def _analyse(tree: Tree, variables: tuple[str, ...], trusted: bool,
             owner: str | None = None) -> Analysis:
    """The symbolic analysis: here for gradcore's own formulas, else in the worker, asked for
    by ``owner`` (the session; None: whoever ``worker.identify_callers`` names)."""
    variables = tuple(variables)
    return _analyse_trusted(tree, variables) if trusted else \
        worker.analyse(tree, variables, owner)


class Expression:
    """A parsed formula f(v1, ..., vn) with its analytic partial derivatives.

    Attributes: ``variables`` (tuple of str, the order of every point), ``tree`` (the folded
    formula, gradcore.expressions.tree), ``text`` (what was typed), ``latex``, ``gradient_latex`` (list of
    LaTeX strings, one per variable), ``notes`` (tuple of plain-text remarks, often empty);
    ``symbols``, ``sympy`` and ``partials`` (∂f/∂vi) as sympy objects, built in this process on
    first use. Build one with ``parse_expression``; the numeric program is compiled once.
    """

    def __init__(self, analysis: Analysis, variables: Sequence[str], text: str,
                 notes: tuple[str, ...] = (), trusted: bool = False):
        self.tree = analysis.tree
        self.variables = tuple(variables)
        self.text = text
        self.latex = analysis.latex
        self.gradient_latex = list(analysis.gradient_latex)
        self.notes = tuple(dict.fromkeys((*notes, *analysis.notes)))
        self._analysis = analysis
        self._reading_notes = tuple(notes)
        self._trusted = trusted

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, variables={self.variables!r})"

    @cached_property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(name, real=True) for name in self.variables)

    @cached_property
    def sympy(self) -> sympy.Expr:
        return to_sympy(self.tree, dict(zip(self.variables, self.symbols, strict=True)))

    @cached_property
    def partials(self) -> tuple[sympy.Expr, ...]:
        symbols = dict(zip(self.variables, self.symbols, strict=True))
        return tuple(to_sympy(tree, symbols) for tree in self._partial_trees())

    def _partial_trees(self) -> tuple[Tree, ...]:
        if self._analysis.partials is None:
            raise ExpressionError(f"{self.text} is too complex to differentiate symbolically "
                                  "here")
        return self._analysis.partials

    @cached_property
    def _program(self) -> Program:
        return Program(self.tree, self.variables)

    @cached_property
    def _switch_program(self) -> Program | None:
        """The switches (``gradcore.expressions.kinks``) of a one-variable f as one program that stacks
        their values; None if f has none or they have more than MAX_SWITCH_NODES nodes."""
        switches = switch_arguments(self.tree) if len(self.variables) == 1 else ()
        program = ("list", *switches)
        if not switches or size(program, MAX_SWITCH_NODES) > MAX_SWITCH_NODES:
            return None  # too many to watch on every slider move: sympy's rules decide there
        return Program(program, self.variables)

    def _switches(self, points) -> np.ndarray:
        return self._switch_program.run((points,))[0]

    def _on_switch(self, x) -> np.ndarray | bool:
        if self._switch_program is None:
            return False
        return on_switch(self._switches, x)

    def _slopes(self, points) -> np.ndarray:
        return self._program.run((points,), gradient=True)[1][0]

    def _one_sided(self, x: float) -> tuple[float, float] | None:
        return one_sided_slopes(self._slopes, x)

    def kink(self, x0: float) -> Kink | None:
        """The kink of this one-variable f at x0, or None where f is differentiable there.

        See ``gradcore.expressions.kinks``: cheap (no solver), exact slopes for piecewise linear f. Raises
        ExpressionError if f has several variables, is undefined at x0, or has an infinite or
        undefined slope on one side of x0 (sqrt(|x|) at 0).
        """
        if len(self.variables) != 1:
            raise ExpressionError(f"kinks are found for functions of one variable; "
                                  f"{self.text} has {len(self.variables)}")
        args = self._point([x0])
        value = self.value(args)
        x = float(args[0])
        if not self._on_switch(x):
            return None
        sides = self._one_sided(x)
        if sides is None:
            raise ExpressionError(f"the slope of {self.text} at x = {x:g} is infinite or "
                                  "undefined on one side, so it has no one-sided derivatives")
        left, right = sides
        return None if same_slope(left, right) else Kink(x, value + 0.0, left, right)

    def kinks(self, lo: float = -np.inf, hi: float = np.inf) -> tuple[float, ...]:
        """The kinks of a one-variable f in [lo, hi] whose switch is a polynomial (sorted).

        Enough for max/min/abs/relu of polynomials (every catalogue entry); a kink of
        abs(sin(x)) is not listed, but ``kink(x0)`` still finds it at x0.
        """
        if self._switch_program is None:
            return ()
        found = []
        for x in polynomial_kink_candidates(self.tree, self.variables[0]):
            try:
                if lo <= x <= hi and self.kink(x) is not None:
                    found.append(x)
            except ExpressionError:
                continue
        return tuple(found)

    def derivative(self, variable: str | None = None) -> Expression:
        """∂f/∂variable as an Expression in the same variables (default: the only variable).

        Raises ExpressionError if f was too complex to differentiate symbolically.
        """
        if variable is None:
            if len(self.variables) != 1:
                raise ExpressionError(f"say which variable to differentiate by: one of "
                                      f"{', '.join(self.variables) or '(none)'}")
            variable = self.variables[0]
        if variable not in self.variables:
            raise ExpressionError(f"'{variable}' is not a variable of this formula: "
                                  f"{', '.join(self.variables) or '(none)'}")
        partial = self._partial_trees()[self.variables.index(variable)]
        return Expression(_analyse(partial, self.variables, self._trusted), self.variables,
                          f"d/d{variable} ({self.text})", self._reading_notes, self._trusted)

    def compose(self, inner: Expression) -> Expression:
        """f(g(...)): substitute ``inner`` for this one-variable formula's variable.

        The result has ``inner``'s variables and is folded and differentiated like a typed
        formula (in the worker unless both came from gradcore's own code). Raises
        ExpressionError if self has more than one variable, or the composition breaks a limit
        or is undefined everywhere (e.g. log of a negative constant).
        """
        if len(self.variables) > 1:
            raise ExpressionError(f"the outer function must have one variable, not "
                                  f"{', '.join(self.variables)}")
        tree = substitute(self.tree, self.variables[0], inner.tree) if self.variables else \
            self.tree
        text = self.text if not self.variables else f"{self.text} with {self.variables[0]} = " \
            f"{inner.text}"
        trusted = self._trusted and inner._trusted
        notes = tuple(dict.fromkeys(self._reading_notes + inner._reading_notes))
        return Expression(_analyse(tree, inner.variables, trusted), inner.variables, text,
                          notes, trusted)

    def _point(self, point) -> tuple[np.float64, ...]:
        try:
            values = np.asarray(point, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise ExpressionError("the point must be a list of numbers") from None
        if values.size != len(self.variables):
            names = ", ".join(self.variables) or "no variables"
            raise ExpressionError(f"the point needs {len(self.variables)} numbers ({names}), "
                                  f"got {values.size}")
        if not np.all(np.isfinite(values)):
            raise ExpressionError("the point must be finite numbers (no inf or nan)")
        return tuple(np.float64(v) for v in values)

    def _where(self, args) -> str:
        if not args:
            return ""
        return " at " + ", ".join(f"{n} = {float(v):g}" for n, v in zip(self.variables, args,
                                                                      strict=True))

    def value(self, point) -> float:
        """f(point) as a float; ``point`` lists one number per variable, in ``variables`` order.

        Raises ExpressionError if f is undefined there (never returns inf or nan).
        """
        args = self._point(point)
        result = float(self._program.run(args)[0])
        if not np.isfinite(result):
            raise ExpressionError(f"{self.text} is undefined{self._where(args)}: "
                                  f"{diagnose(self._program, args)}")
        return result

    def gradient(self, point) -> np.ndarray:
        """∇f(point), shape (n,): the analytic partial derivatives evaluated at ``point``.

        Raises ExpressionError if f or a partial derivative is undefined there (e.g. sqrt(x) at
        0, where the slope is infinite). At a kink of a one-variable f: the midpoint of the
        one-sided slopes (module docstring), e.g. 0 for abs(x) and 1/2 for relu(x) at 0.
        """
        args = self._point(point)
        self.value(args)
        if self._on_switch(args[0] if args else 0.0):
            sides = self._one_sided(float(args[0]))
            if sides is not None:
                return np.array([0.5 * (sides[0] + sides[1])])
        result = np.asarray(self._program.run(args, gradient=True)[1], dtype=float)
        for i, slope in enumerate(result):
            if not np.isfinite(slope):
                reason = diagnose(self._program, args, i)
                raise ExpressionError(f"the slope ∂f/∂{self.variables[i]} of {self.text} is "
                                      f"undefined{self._where(args)}: {reason}")
        return result

    def _grid(self, arrays, gradient: bool = False) -> np.ndarray:
        if len(arrays) != len(self.variables):
            raise ExpressionError(f"give one array per variable ({', '.join(self.variables)})")
        grids = [np.asarray(a, dtype=float) for a in arrays]
        shape = np.broadcast_shapes(*(g.shape for g in grids))
        value, grad = self._program.run(grids, gradient=gradient)
        out = grad if gradient else value
        out = np.broadcast_to(np.asarray(out, dtype=float),
                              (len(grids), *shape) if gradient else shape).copy()
        out[~np.isfinite(out)] = np.nan
        return out

    def evaluate(self, *arrays) -> np.ndarray:
        """f on arrays (one per variable, broadcast together), nan where f is undefined."""
        return self._grid(arrays)

    def evaluate_gradient(self, *arrays) -> np.ndarray:
        """∇f on arrays: shape (n, *broadcast shape), nan where f or a partial is undefined."""
        if not self.variables:
            return np.empty((0,))
        undefined = np.isnan(self.evaluate(*arrays))
        grads = self._grid(arrays, gradient=True)
        grads[:, undefined] = np.nan
        if self._switch_program is not None:
            xs = np.broadcast_to(np.asarray(arrays[0], dtype=float), undefined.shape)
            for index in map(tuple, np.argwhere(self._on_switch(xs) & ~undefined)):
                sides = self._one_sided(float(xs[index]))
                if sides is not None:
                    grads[(0, *index)] = 0.5 * (sides[0] + sides[1])
        return grads


def _expression(source: Source, trusted: bool, owner: str | None = None) -> Expression:
    return Expression(_analyse(source.tree, source.variables, trusted, owner), source.variables,
                      source.text, source.notes, trusted)


def parse_expression(text: str, variables: Sequence[str] | str | None = None, *,
                     owner: str | None = None) -> Expression:
    """Parse a typed formula such as ``"x^2 + 3*sin(y)"``; raise ``ExpressionError`` if refused.

    ``variables=None`` infers the variables (sorted by name); a sequence fixes them and their
    order: the text may then use only those names, and unused ones stay in the Expression.
    Accepted: numbers, variables, pi, e, + - * / ** ^, unary signs, and sin cos tan exp log ln
    sqrt abs max min relu sigmoid tanh, and student notation (2x, |x|, x², sin x: see
    ``gradcore.expressions.notation``); an ambiguous form (x(x+1), e^2x) is refused with the fix. The
    symbolic work runs in a worker process (module docstring), cached per formula, in a line
    that is fair across sessions: ``owner`` names the asking session (``gradcore.expressions.worker``).
    """
    return _expression(read_formula(text, variables), trusted=False, owner=owner)


def trusted_expression(text: str, variables: Sequence[str] | str | None = None) -> Expression:
    """``parse_expression`` for a formula written in gradcore's own code (the catalogue): the
    symbolic work runs in this process, without a time limit. Never pass it user text."""
    return _expression(read_formula(text, variables), trusted=True)


def kink_at(expression: Expression, x0: float) -> Kink | None:
    """The kink of a one-variable ``expression`` at x0 (``Kink``), or None if f is
    differentiable there: ``expression.kink(x0)``. ExpressionError as documented there."""
    return expression.kink(x0)
