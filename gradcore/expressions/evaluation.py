"""Formula trees evaluated with numpy: each node's value and its exact derivative side by side.

``Program(tree, variables)`` turns a tree (gradcore.expressions.tree) into a list of steps in post-order.
Running it on numbers or arrays gives f, and, on request, ∇f by forward-mode differentiation:
every step computes its value and, right beside it, its derivative from its operands' values
and derivatives (the chain rule applied node by node). The result is the analytic gradient,
the same numbers as evaluating sympy's symbolic derivative, at a cost proportional to the size
of f: no symbolic derivative has to be built, printed or compiled, so even a formula whose
symbolic derivative is too large to show gets exact slopes in microseconds.

The rules at kinks are sympy's: d|a| = sign(a)·da with sign(0) = 0; d max(a1, ..., an) =
Σ H(ai − max of the others)·dai with H(0) = 1/2 (and min alike), so the derivative a page
prints and the numbers it shows agree.

Floats only: overflow gives inf, a log of a negative number nan, never an exception or a long
computation. ``diagnose`` names the first node that went wrong (innermost first).
"""

from __future__ import annotations

import math

import numpy as np

from gradcore.errors import ExpressionError
from gradcore.expressions.tree import NUMBER_NODES, Tree, show


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _heaviside(a):
    return np.heaviside(a, 0.5)


# name -> (value of a, d value / d a given a and the value); None: the derivative is 0 where
# it exists (sign and Heaviside are flat away from their jump).
UNARY = {
    "sin": (np.sin, lambda a, v: np.cos(a)),
    "cos": (np.cos, lambda a, v: -np.sin(a)),
    "tan": (np.tan, lambda a, v: 1.0 + v * v),
    "exp": (np.exp, lambda a, v: v),
    "log": (np.log, lambda a, v: 1.0 / a),
    "tanh": (np.tanh, lambda a, v: 1.0 - v * v),
    "sigmoid": (_sigmoid, lambda a, v: v * (1.0 - v)),
    "abs": (np.abs, lambda a, v: np.sign(a)),
    "re": (lambda a: a, lambda a, v: 1.0),
    "sign": (np.sign, None),
    "heaviside": (_heaviside, None),
    "im": (np.zeros_like, None),
}


def _scaled(local, grad):
    """local · grad, where grad has a leading axis of one row per variable (None: zero)."""
    return None if grad is None else local * grad


def _add(operands, _):
    value = operands[0][0]
    for v, _g in operands[1:]:
        value = value + v
    grads = [g for _v, g in operands if g is not None]
    return value, (sum(grads[1:], grads[0]) if grads else None)


def _mul(operands, _):
    if len(operands) == 2:  # the common case, without the bookkeeping below
        (a, a_grad), (b, b_grad) = operands
        grads = [term for term in (_scaled(b, a_grad), _scaled(a, b_grad)) if term is not None]
        return a * b, (grads[0] + grads[1] if len(grads) == 2 else grads[0] if grads else None)
    values = [v for v, _g in operands]
    if all(g is None for _v, g in operands):
        value = values[0]
        for v in values[1:]:
            value = value * v
        return value, None
    before = [1.0]  # before[k] = v0·…·v(k−1), after[k] = v(k+1)·…: no division by a zero factor
    for v in values[:-1]:
        before.append(before[-1] * v)
    after = [1.0]
    for v in reversed(values[1:]):
        after.append(after[-1] * v)
    after.reverse()
    grad = None
    for k, (_v, g) in enumerate(operands):
        if g is not None:
            term = (before[k] * after[k]) * g
            grad = term if grad is None else grad + term
    return before[-1] * values[-1], grad


def _power(base, exponent):
    if isinstance(exponent, float) and exponent == 0.5:
        return np.sqrt(base)
    if isinstance(exponent, float) and exponent == -1.0:
        return 1.0 / base
    return np.power(base, exponent)


def _pow(operands, _):
    (base, base_grad), (exponent, exponent_grad) = operands
    value = _power(base, exponent)
    grad = None
    if base_grad is not None:
        local = 0.0 if isinstance(exponent, float) and exponent == 0.0 else \
            exponent * _power(base, exponent - 1.0)
        grad = local * base_grad
    if exponent_grad is not None:
        term = (value * np.log(base)) * exponent_grad
        grad = term if grad is None else grad + term
    return value, grad


def _extreme(pick):
    """max (pick = np.maximum) or min (np.minimum) of n operands and sympy's derivative rule."""
    sign = 1.0 if pick is np.maximum else -1.0

    def rule(operands, _):
        values = [v for v, _g in operands]
        value = values[0]
        for v in values[1:]:
            value = pick(value, v)
        grad = None
        for k, (v, g) in enumerate(operands):
            if g is None:
                continue
            others = [w for j, w in enumerate(values) if j != k]
            best = others[0]
            for w in others[1:]:
                best = pick(best, w)
            term = _heaviside(sign * (v - best)) * g
            grad = term if grad is None else grad + term
        return value, grad

    return rule


def _unary(name):
    function, local = UNARY[name]

    def rule(operands, _):
        (a, grad), = operands
        value = function(a)
        if local is None or grad is None:
            return value, None
        return value, local(a, value) * grad

    return rule


def _list(operands, _):
    """Several formulas at once (``("list", a, b, ...)``): their values stacked, no slopes."""
    return np.stack(np.broadcast_arrays(*(v for v, _g in operands))), None


RULES = {"add": _add, "mul": _mul, "pow": _pow, "max": _extreme(np.maximum),
         "min": _extreme(np.minimum), "list": _list, **{name: _unary(name) for name in UNARY}}


def _number(node: Tree) -> float:
    kind = node[0]
    if kind == "rat":
        return float(node[1] / node[2])
    if kind in ("pi", "e"):
        return math.pi if kind == "pi" else math.e
    return float(node[1])


class Program:
    """A tree compiled to steps: ``(kind, operand count, payload, node)`` in post-order.

    kinds: "const" (payload: the float), "var" (payload: its index in ``variables``), and the
    rules of ``RULES``. ``run(args, gradient)`` takes one number or array per variable.
    """

    def __init__(self, tree: Tree, variables: tuple[str, ...]):
        self.variables = variables
        self.steps: list[tuple] = []
        index = {name: i for i, name in enumerate(variables)}
        stack = [(tree, False)]
        while stack:
            node, expanded = stack.pop()
            kind = node[0]
            if kind in NUMBER_NODES or kind in ("pi", "e"):
                self.steps.append(("const", 0, np.float64(_number(node)), node))
            elif kind == "var":
                if node[1] not in index:
                    raise ExpressionError(f"'{node[1]}' is not one of the variables "
                                          f"{', '.join(variables) or '(none)'}")
                self.steps.append(("var", 0, index[node[1]], node))
            elif kind not in RULES:
                raise ExpressionError(f"gradcore cannot evaluate '{show(node)}'")
            elif expanded:
                self.steps.append((kind, len(node) - 1, None, node))
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node[1:]))

    def run(self, args, gradient: bool = False, trace: list | None = None):
        """(value, gradient or None): gradient has shape (n variables, *broadcast shape).

        With ``trace`` (a list) each step's (node, value, gradient, operands) is appended.
        """
        arrays = [np.asarray(a, dtype=float) for a in args]
        if len(arrays) > 1:
            arrays = np.broadcast_arrays(*arrays)
        shape = arrays[0].shape if arrays else ()
        stack: list = []
        units: dict[int, np.ndarray] = {}
        with np.errstate(all="ignore"):
            for kind, count, payload, node in self.steps:
                if kind == "const":
                    result = (payload, None)
                elif kind == "var":
                    if gradient and payload not in units:
                        units[payload] = np.zeros((len(arrays), *shape))
                        units[payload][payload] = 1.0
                    result = (arrays[payload], units.get(payload))
                else:
                    operands = stack[-count:]
                    del stack[-count:]
                    result = RULES[kind](operands, payload)
                    if trace is not None:
                        trace.append((node, result[0], result[1], operands))
                stack.append(result)
        value, grad = stack[-1]
        if gradient and grad is None:
            grad = np.zeros((len(arrays), *shape))
        return value, grad


def constant_value(tree: Tree) -> float:
    """The float value of a tree without variables (inf or nan where it overflows or is
    undefined)."""
    value, _ = Program(tree, ()).run(())
    return float(value)


def _finite(value) -> bool:
    return bool(np.all(np.isfinite(value)))


OVERFLOW = "too large for a float (beyond ±1.8e308)"


def _value_reason(node: Tree, operands, value=None) -> str:
    kind = node[0]
    if kind == "log" and operands[0][0] <= 0:
        return f"log needs a positive argument, but {show(node)} gets {operands[0][0]:g} here"
    if kind == "pow":
        base, exponent = operands[0][0], operands[1][0]
        if base == 0 and exponent < 0:
            return f"division by zero: {show(node[1])} is 0 here"
        if base < 0 and not float(exponent).is_integer():
            return (f"a square root or fractional power needs a value that is not negative, "
                    f"but {show(node[1])} is {base:g} here")
    if value is not None and np.all(np.isinf(value)):
        return f"{show(node)} overflows here: its value is {OVERFLOW}"
    return "the value is too large to represent (overflow) or not a real number here"


def diagnose(program: Program, args, variable: int | None = None) -> str:
    """Why f (``variable`` None) or ∂f/∂(variables[variable]) is not finite at the point ``args``.

    Names the first step, innermost first, that turns finite operands into a value (or a
    slope) that is not finite.
    """
    trace: list = []
    program.run(args, gradient=variable is not None, trace=trace)
    for node, value, grad, operands in trace:
        inputs_finite = all(_finite(v) for v, _g in operands)
        if not _finite(value) and inputs_finite:
            return _value_reason(node, operands, value)
        if variable is None or grad is None or not _finite(value) or not inputs_finite:
            continue
        slopes_finite = all(g is None or _finite(g[variable]) for _v, g in operands)
        if slopes_finite and not _finite(grad[variable]):
            if node[0] == "pow" and operands[0][0] == 0:
                return f"division by zero: {show(node[1])} is 0 here"
            if np.all(np.isinf(grad[variable])):
                return f"the slope of {show(node)} overflows here: it is {OVERFLOW}"
            return "the slope is too large to represent (overflow) or not a real number here"
    return "the value is too large to represent (overflow) or not a real number here"
