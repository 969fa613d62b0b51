"""Formula trees -> sympy, node by node, with the parser's limits applied to what sympy folds.

sympy evaluates as it builds: ``(x-x+3)^(x-x+1000)`` becomes 3^1000 the moment the power is
constructed, and 3^(10^8) would hold the interpreter lock for minutes in one C call. So
``to_sympy`` builds bottom-up and, before it constructs a node, looks at the *folded* children
sympy already made:

- a power whose exponent folded to a number: at most ``MAX_EXPONENT`` in size; with a numeric
  base (or a product with a numeric factor, which the power distributes over) the result may
  have at most ``MAX_DIGITS`` digits, estimated from logarithms, never computed;
- a number to a fraction p/q with q above ``MAX_ROOT_DENOMINATOR`` (sympy would look for exact
  roots through powers of the number's factors with exponents up to q);
- a negative number to a fractional power, 0 to a negative power: refused with their reason;
- after construction (cheap for + and ×: numbers of at most ``MAX_DIGITS`` digits), every new
  number in the node is at most ``MAX_CONSTANT`` in size, a fraction's numerator and
  denominator too, and every power merged by a product (x^60·x^60) obeys the exponent limit;
  a constant part (exp(x-x+300)) is evaluated in floats and must stay within ``MAX_CONSTANT``.

``from_sympy`` turns a folded expression back into a tree (gradcore.expressions.tree) that numpy can
evaluate without sympy. Both run in the worker process (gradcore.expressions.worker).
"""

from __future__ import annotations

import math

import sympy

from gradcore.errors import ExpressionError
from gradcore.expressions.evaluation import constant_value
from gradcore.expressions.parsing import MAX_CONSTANT, MAX_EXPONENT
from gradcore.expressions.tree import Tree, show

MAX_DIGITS = round(math.log10(MAX_CONSTANT))
MAX_ROOT_DENOMINATOR = 1000
_LARGEST = 10**MAX_DIGITS


class sigmoid(sympy.Function):  # lower case: sympy prints the class name, sigmoid(x)
    """σ(a) = 1/(1 + e^(−a)) as one sympy node, with σ′ = σ·(1 − σ) beside it.

    One node rather than the quotient, so the LaTeX reads σ(x), its derivative σ(x)(1 − σ(x)),
    and numpy evaluates it without overflow (``gradcore.expressions.evaluation``).
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sympy.exp(-arg))

    def _latex(self, printer, exp=None):
        shown = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return shown if exp is None else rf"{shown}^{{{exp}}}"


_SYMPY_FUNCTIONS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp, "log": sympy.log,
    "abs": sympy.Abs, "max": sympy.Max, "min": sympy.Min, "sigmoid": sigmoid,
    "tanh": sympy.tanh, "sign": sympy.sign, "heaviside": sympy.Heaviside, "re": sympy.re,
    "im": sympy.im,
}
_TREE_FUNCTIONS = {function: name for name, function in _SYMPY_FUNCTIONS.items()}


def _fail(message: str) -> ExpressionError:
    return ExpressionError(message)


def _digits(number: sympy.Number) -> float:
    """log10 of the largest part of a number: |v| for a float, max(|p|, q) for a fraction."""
    if number.is_Float:
        value = abs(float(number))
        return math.log10(value) if value > 0 else 0.0
    return math.log10(max(abs(int(number.p)), int(number.q)))


def _too_big(number: sympy.Number) -> bool:
    if number.is_Float:
        return not abs(float(number)) <= MAX_CONSTANT
    return abs(int(number.p)) > _LARGEST or int(number.q) > _LARGEST


class _Folder:
    """Builds one tree. ``checked`` holds the sympy nodes already checked (each once)."""

    def __init__(self, symbols: dict[str, sympy.Symbol]):
        self.symbols = symbols
        self.checked: set = set()

    def build(self, node: Tree) -> sympy.Expr:
        kind, args = node[0], node[1:]
        if kind == "int":
            return self.checked_node(sympy.Integer(args[0]), node)
        if kind == "rat":
            return self.checked_node(sympy.Rational(args[0], args[1]), node)
        if kind == "float":
            return self.checked_node(sympy.Float(args[0]), node)
        if kind == "pi":
            return sympy.pi
        if kind == "e":
            return sympy.E
        if kind == "var":
            return self.symbols[args[0]]
        parts = [self.build(child) for child in args]
        if kind == "pow":
            self.check_power(*parts, node)
        constructor = {"add": sympy.Add, "mul": sympy.Mul, "pow": sympy.Pow}.get(kind) or \
            _SYMPY_FUNCTIONS[kind]
        try:
            built = constructor(*parts)
        except (ValueError, TypeError, ArithmeticError) as error:  # e.g. max of a number that is not real
            raise _fail(f"'{show(node)}' is undefined everywhere: it is not a real number "
                        "(a log or square root of a negative part?)") from error
        return self.checked_node(built, node)

    def check_power(self, base: sympy.Expr, exponent: sympy.Expr, node: Tree) -> None:
        """Refuse base^exponent before sympy builds it, from the folded base and exponent."""
        if not exponent.is_Number:
            return
        if abs(float(exponent)) > MAX_EXPONENT:
            raise _fail(f"the exponent in '{show(node)}' works out to {float(exponent):.6g}: "
                        f"exponents can be at most {MAX_EXPONENT} in size")
        if base.is_zero and exponent.is_negative:
            raise _fail(f"division by zero in '{show(node)}': its base works out to 0")
        if base.is_Rational and abs(base) != 1 and exponent.is_Rational and \
                exponent.q > MAX_ROOT_DENOMINATOR:
            raise _fail(f"'{show(node)}' takes a root of order {exponent.q} of a number: a "
                        f"fraction in an exponent can have a denominator of at most "
                        f"{MAX_ROOT_DENOMINATOR}")
        coefficient = base if base.is_Number else base.as_coeff_Mul()[0]
        if base.is_Number and base.is_negative and not exponent.is_integer:
            raise _fail(f"'{show(node)}' is undefined: a negative number to a fractional power "
                        "is not a real number")
        if coefficient.is_Number and coefficient != 0:
            self.check_digits(abs(float(exponent)) * _digits(coefficient), node)
        if base.is_number and not base.is_Number:
            size = abs(_constant_value(base, node))
            if size > 0:
                self.check_digits(abs(float(exponent) * math.log10(size)), node)

    @staticmethod
    def check_digits(digits: float, node: Tree) -> None:
        if digits > MAX_DIGITS:
            shown = f"about {digits:.0f}" if math.isfinite(digits) else "too many"
            raise _fail(f"'{show(node)}' works out to a number with {shown} digits: numbers can "
                        f"be at most {MAX_CONSTANT:g} in size ({MAX_DIGITS} digits)")

    def checked_node(self, built: sympy.Expr, node: Tree) -> sympy.Expr:
        """Check the numbers and powers sympy created in ``built``; return it."""
        stack = [built]
        while stack:
            current = stack.pop()
            if current in self.checked or current.is_Atom and not current.is_Number:
                continue
            self.checked.add(current)
            if current.is_Number:
                if _too_big(current):
                    self.check_digits(_digits(current), node)
                continue
            if current.is_Pow and current.exp.is_Number and \
                    abs(float(current.exp)) > MAX_EXPONENT:
                raise _fail(f"'{show(node)}' works out to a power with exponent "
                            f"{float(current.exp):.6g}: exponents can be at most "
                            f"{MAX_EXPONENT} in size")
            stack.extend(current.args)
        if built.is_number and not built.is_Number:
            value = _constant_value(built, node)
            if math.isnan(value):
                raise _fail(f"'{show(node)}' is undefined everywhere: it works out to a "
                            "division by zero, log(0), or a log or square root of a negative "
                            "number")
            if not abs(value) <= MAX_CONSTANT:
                raise _fail(f"'{show(node)}' is too large: constants can be at most "
                            f"{MAX_CONSTANT:g} in size")
        return built


def _constant_value(expr: sympy.Expr, node: Tree) -> float:
    """A constant sympy expression in floats (numpy: inf or nan, never a long computation)."""
    try:
        return constant_value(from_sympy(expr))
    except ExpressionError:
        return math.nan


def to_sympy(tree: Tree, symbols: dict[str, sympy.Symbol]) -> sympy.Expr:
    """The sympy expression of ``tree``, built under the limits (module docstring).

    ``symbols`` maps each variable name to its (real) sympy symbol. Raises ExpressionError.
    """
    try:
        return _Folder(symbols).build(tree)
    except RecursionError:
        raise _fail("the formula is nested too deeply") from None


def from_sympy(expr: sympy.Expr) -> Tree:
    """The tree of a sympy expression made of the nodes gradcore knows; ExpressionError else."""
    if expr.is_Symbol:
        return ("var", expr.name)
    if expr.is_Integer:
        return ("int", int(expr))
    if expr.is_Rational:
        return ("rat", int(expr.p), int(expr.q))
    if expr.is_Float:
        return ("float", float(expr))
    if expr is sympy.pi or expr is sympy.E:
        return ("pi",) if expr is sympy.pi else ("e",)
    kind = "add" if expr.is_Add else "mul" if expr.is_Mul else "pow" if expr.is_Pow else \
        _TREE_FUNCTIONS.get(expr.func)
    args = expr.args
    if kind == "heaviside" and len(args) == 2 and args[1] == sympy.Rational(1, 2):
        args = args[:1]
    if kind is None or (kind == "heaviside" and len(args) != 1):
        raise _fail(f"gradcore cannot evaluate '{sympy.sstr(expr)[:40]}'")
    return (kind, *(from_sympy(arg) for arg in args))


def check_real(expr: sympy.Expr, text: str) -> None:
    """Raise ExpressionError if ``expr`` contains 1/0, log(0), an imaginary part or infinity."""
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        raise _fail(f"'{text[:40]}' is undefined everywhere: after simplifying it contains a "
                    "division by zero, log(0) or the square root of a negative number")
