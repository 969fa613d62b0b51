"""User-typed formulas: parse safely, differentiate with sympy, evaluate with numpy.

``parse_expression(text, variables=None)`` reads the text under a whitelist (see
``gradcore.parsing``: no ``eval``/``sympify`` ever) and returns an ``Expression``.

Domain: ``Expression.value`` and ``.gradient`` never return inf or nan. At a point outside the
domain (``log(-1)``, ``sqrt(-4)``, ``1/x`` at 0, overflow) they raise ``ExpressionError`` with a
message such as "log(x) is undefined at x = -1: log needs a positive argument, but log(x) gets
-1 here". The vectorised ``.evaluate`` / ``.evaluate_gradient`` (for plots) return nan there
instead, so a curve shows a gap.

Kinks (one variable): at a kink ``gradient`` returns the midpoint of the slopes from the
left and from the right, (f′₋ + f′₊)/2, and ``kink(x0)`` / ``kink_at(expression, x0)`` describe
the kink (see ``gradcore.kinks`` for the convention, why it was chosen, and how a kink is found).
With several variables each partial derivative is sympy's, whose rules give the same midpoint
for a single abs or max node (sign(0) = 0, Heaviside(0) = 1/2).

``notes`` says how the text was read where a student may have meant something else (a glued
name such as 'sinx' or 'xy' is one variable): plain text, one sentence each.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import sympy

from gradcore.errors import ExpressionError
from gradcore.kinks import (
    Kink,
    on_switch,
    one_sided_slopes,
    polynomial_kink_candidates,
    same_slope,
    switch_arguments,
)
from gradcore.parsing import NUMPY_FUNCTIONS, build_sympy, check_real


def _show(expr: sympy.Expr) -> str:
    return sympy.sstr(expr).replace("**", "^")


def _lambdify(symbols: tuple[sympy.Symbol, ...], expr):
    # dummify: generated code never uses the variable names, so no name can shadow numpy.
    return sympy.lambdify(symbols, expr, modules=[NUMPY_FUNCTIONS, "numpy"], dummify=True)


class Expression:
    """A parsed formula f(v1, ..., vn) with its analytic partial derivatives.

    Attributes: ``variables`` (tuple of str, the order of every point), ``symbols`` (the real
    sympy symbols in that order), ``sympy`` (the expression), ``text`` (what was typed),
    ``latex``, ``partials`` (sympy ∂f/∂vi), ``gradient_latex`` (list of LaTeX strings),
    ``notes`` (tuple of plain-text remarks on how the text was read, often empty).
    Build one with ``parse_expression``; the numeric functions are compiled once and cached.
    """

    def __init__(self, expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], text: str,
                 notes: tuple[str, ...] = ()):
        self.sympy = expr
        self.symbols = symbols
        self.variables = tuple(symbol.name for symbol in symbols)
        self.text = text
        self.notes = tuple(notes)

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, variables={self.variables!r})"

    @cached_property
    def latex(self) -> str:
        return sympy.latex(self.sympy)

    @cached_property
    def partials(self) -> tuple[sympy.Expr, ...]:
        return tuple(sympy.diff(self.sympy, symbol) for symbol in self.symbols)

    @cached_property
    def gradient_latex(self) -> list[str]:
        return [sympy.latex(partial) for partial in self.partials]

    @cached_property
    def _value_function(self):
        return _lambdify(self.symbols, self.sympy)

    @cached_property
    def _gradient_functions(self):
        return [_lambdify(self.symbols, partial) for partial in self.partials]

    @cached_property
    def _switch_function(self):
        """The switches (``gradcore.kinks``) of a one-variable f, compiled; None if f has none."""
        switches = switch_arguments(self.sympy)
        if len(self.variables) != 1 or not switches:
            return None
        return _lambdify(self.symbols, list(switches))

    def _on_switch(self, x) -> np.ndarray | bool:
        if self._switch_function is None:
            return False
        return on_switch(lambda v: self._run(self._switch_function, (v,)), x)

    def _one_sided(self, x: float) -> tuple[float, float] | None:
        return one_sided_slopes(lambda v: self._run(self._gradient_functions[0], (v,)), x)

    def kink(self, x0: float) -> Kink | None:
        """The kink of this one-variable f at x0, or None where f is differentiable there.

        See ``gradcore.kinks``: cheap (no solver), exact slopes for piecewise linear f. Raises
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
        if self._switch_function is None:
            return ()
        found = []
        for x in polynomial_kink_candidates(self.sympy, self.symbols[0]):
            try:
                if lo <= x <= hi and self.kink(x) is not None:
                    found.append(x)
            except ExpressionError:
                continue
        return tuple(found)

    def derivative(self, variable: str | None = None) -> Expression:
        """∂f/∂variable as an Expression in the same variables (default: the only variable)."""
        if variable is None:
            if len(self.variables) != 1:
                raise ExpressionError(f"say which variable to differentiate by: one of "
                                      f"{', '.join(self.variables) or '(none)'}")
            variable = self.variables[0]
        if variable not in self.variables:
            raise ExpressionError(f"'{variable}' is not a variable of this formula: "
                                  f"{', '.join(self.variables) or '(none)'}")
        partial = self.partials[self.variables.index(variable)]
        return Expression(partial, self.symbols, f"d/d{variable} ({self.text})", self.notes)

    def compose(self, inner: Expression) -> Expression:
        """f(g(...)): substitute ``inner`` for this one-variable formula's variable.

        The result has ``inner``'s variables. Raises ExpressionError if self has more than one
        variable or the composition is undefined everywhere (e.g. log of a negative constant).
        """
        if len(self.variables) > 1:
            raise ExpressionError(f"the outer function must have one variable, not "
                                  f"{', '.join(self.variables)}")
        expr = self.sympy.xreplace(dict(zip(self.symbols, [inner.sympy], strict=False)))
        text = self.text if not self.variables else f"{self.text} with {self.variables[0]} = " \
            f"{inner.text}"
        check_real(expr, text)
        return Expression(expr, inner.symbols, text, tuple(dict.fromkeys(self.notes +
                                                                        inner.notes)))

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

    def _run(self, function, args):
        with np.errstate(all="ignore"):
            try:
                return function(*args)
            except (ArithmeticError, ValueError, TypeError):
                return np.nan

    def _diagnose(self, expr: sympy.Expr, args) -> str:
        """Name the first piece of ``expr`` (outermost first) that is undefined at ``args``."""
        for sub in sympy.preorder_traversal(expr):
            if isinstance(sub, sympy.log):
                inside = self._sub_value(sub.args[0], args)
                if inside <= 0:
                    return f"log needs a positive argument, but {_show(sub)} gets {inside:g} here"
            elif isinstance(sub, sympy.Pow) and sub.exp.is_number:
                base = self._sub_value(sub.base, args)
                if sub.exp.is_negative and base == 0:
                    return f"division by zero: {_show(sub.base)} is 0 here"
                if not sub.exp.is_integer and base < 0:
                    return (f"a square root or fractional power needs a value that is not "
                            f"negative, but {_show(sub.base)} is {base:g} here")
        return "the value is too large to represent (overflow) or not a real number here"

    def _sub_value(self, expr: sympy.Expr, args) -> float:
        out = np.asarray(self._run(_lambdify(self.symbols, expr), args), dtype=float)
        return float(out.reshape(-1)[0]) if out.size else float("nan")

    def value(self, point) -> float:
        """f(point) as a float; ``point`` lists one number per variable, in ``variables`` order.

        Raises ExpressionError if f is undefined there (never returns inf or nan).
        """
        args = self._point(point)
        out = np.asarray(self._run(self._value_function, args), dtype=float).reshape(-1)
        result = float(out[0]) if out.size == 1 else float("nan")
        if not np.isfinite(result):
            raise ExpressionError(f"{self.text} is undefined{self._where(args)}: "
                                  f"{self._diagnose(self.sympy, args)}")
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
        result = np.empty(len(self.variables))
        for i, function in enumerate(self._gradient_functions):
            out = np.asarray(self._run(function, args), dtype=float).reshape(-1)
            result[i] = out[0] if out.size == 1 else np.nan
            if not np.isfinite(result[i]):
                reason = self._diagnose(self.partials[i], args)
                raise ExpressionError(f"the slope ∂f/∂{self.variables[i]} of {self.text} is "
                                      f"undefined{self._where(args)}: {reason}")
        return result

    def _grid(self, function, arrays) -> np.ndarray:
        if len(arrays) != len(self.variables):
            raise ExpressionError(f"give one array per variable ({', '.join(self.variables)})")
        grids = [np.asarray(a, dtype=float) for a in arrays]
        shape = np.broadcast_shapes(*(g.shape for g in grids))
        out = self._run(function, grids)
        out = np.broadcast_to(np.asarray(out, dtype=float), shape).copy()
        out[~np.isfinite(out)] = np.nan
        return out

    def evaluate(self, *arrays) -> np.ndarray:
        """f on arrays (one per variable, broadcast together), nan where f is undefined."""
        return self._grid(self._value_function, arrays)

    def evaluate_gradient(self, *arrays) -> np.ndarray:
        """∇f on arrays: shape (n, *broadcast shape), nan where f or a partial is undefined."""
        if not self.variables:
            return np.empty((0,))
        undefined = np.isnan(self.evaluate(*arrays))
        grads = np.stack([self._grid(function, arrays) for function in self._gradient_functions])
        grads[:, undefined] = np.nan
        if self._switch_function is not None:
            xs = np.broadcast_to(np.asarray(arrays[0], dtype=float), undefined.shape)
            for index in map(tuple, np.argwhere(self._on_switch(xs) & ~undefined)):
                sides = self._one_sided(float(xs[index]))
                if sides is not None:
                    grads[(0, *index)] = 0.5 * (sides[0] + sides[1])
        return grads


def parse_expression(text: str, variables: Sequence[str] | str | None = None) -> Expression:
    """Parse a typed formula such as ``"x^2 + 3*sin(y)"``; raise ``ExpressionError`` if refused.

    ``variables=None`` infers the variables (sorted by name); a sequence fixes them and their
    order: the text may then use only those names, and unused ones stay in the Expression.
    Accepted: numbers, variables, pi, e, + - * / ** ^, unary signs, and sin cos tan exp log ln
    sqrt abs max min relu sigmoid tanh, and student notation (2x, |x|, x², sin x: see
    ``gradcore.notation``); an ambiguous form (x(x+1), e^2x) is refused with the fix.
    """
    parsed = build_sympy(text, variables)
    return Expression(parsed.expr, parsed.symbols, parsed.text, parsed.notes)


def kink_at(expression: Expression, x0: float) -> Kink | None:
    """The kink of a one-variable ``expression`` at x0 (``Kink``), or None if f is
    differentiable there: ``expression.kink(x0)``. ExpressionError as documented there."""
    return expression.kink(x0)
