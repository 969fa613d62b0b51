"""User-typed formulas: parse safely, differentiate with sympy, evaluate with numpy.

``parse_expression(text, variables=None)`` reads the text under a whitelist (see
``gradcore.parsing``: no ``eval``/``sympify`` ever) and returns an ``Expression``.

Domain: ``Expression.value`` and ``.gradient`` never return inf or nan. At a point outside the
domain (``log(-1)``, ``sqrt(-4)``, ``1/x`` at 0, overflow) they raise ``ExpressionError`` with a
message such as "log(x) is undefined at x = -1: log needs a positive argument, but log(x) gets
-1 here". The vectorised ``.evaluate`` / ``.evaluate_gradient`` (for plots) return nan there
instead, so a curve shows a gap.

Kinks: sympy's derivatives are used as they are. d|x|/dx = sign(x) is 0 at x = 0, and
d max(a, b) = Heaviside(a - b) is 1/2 at a tie (so relu'(0) = 1/2); both are valid subgradients
of abs, relu and max at their kinks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import sympy

from gradcore.errors import ExpressionError
from gradcore.parsing import build_sympy, check_real


def _show(expr: sympy.Expr) -> str:
    return sympy.sstr(expr).replace("**", "^")


def _lambdify(symbols: tuple[sympy.Symbol, ...], expr):
    # dummify: generated code never uses the variable names, so no name can shadow numpy.
    return sympy.lambdify(symbols, expr, modules="numpy", dummify=True)


class Expression:
    """A parsed formula f(v1, ..., vn) with its analytic partial derivatives.

    Attributes: ``variables`` (tuple of str, the order of every point), ``symbols`` (the real
    sympy symbols in that order), ``sympy`` (the expression), ``text`` (what was typed),
    ``latex``, ``partials`` (sympy ∂f/∂vi), ``gradient_latex`` (list of LaTeX strings).
    Build one with ``parse_expression``; the numeric functions are compiled once and cached.
    """

    def __init__(self, expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], text: str):
        self.sympy = expr
        self.symbols = symbols
        self.variables = tuple(symbol.name for symbol in symbols)
        self.text = text

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
        return Expression(partial, self.symbols, f"d/d{variable} ({self.text})")

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
        return Expression(expr, inner.symbols, text)

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
        0, where the slope is infinite). At kinks see the module docstring (sign(0) = 0,
        Heaviside(0) = 1/2).
        """
        args = self._point(point)
        self.value(args)
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
        return grads


def parse_expression(text: str, variables: Sequence[str] | str | None = None) -> Expression:
    """Parse a typed formula such as ``"x^2 + 3*sin(y)"``; raise ``ExpressionError`` if refused.

    ``variables=None`` infers the variables (sorted by name); a sequence fixes them and their
    order: the text may then use only those names, and unused ones stay in the Expression.
    Accepted: numbers, variables, pi, e, + - * / ** ^, unary signs, and sin cos tan exp log ln
    sqrt abs max min relu sigmoid tanh. ``2x`` is refused with the fix ("write 2*x").
    """
    expr, symbols, clean_text = build_sympy(text, variables)
    return Expression(expr, symbols, clean_text)
