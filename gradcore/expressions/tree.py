"""The formula tree: nested tuples that every part of gradcore can read without sympy.

A node is a tuple whose first item names it:

======================  ================================================================
``("int", n)``           an exact integer (Python int)
``("rat", p, q)``        the exact fraction p/q, q > 1
``("float", v)``         a decimal number (Python float)
``("pi",)``, ``("e",)``  the constants
``("var", name)``        a variable
``("add", a, b, ...)``   a + b + ...; a − b is ``("add", a, ("mul", ("int", -1), b))``
``("mul", a, b, ...)``   a·b·...; a / b is ``("mul", a, ("pow", b, ("int", -1)))``
``("pow", a, b)``        a^b; sqrt(a) is ``("pow", a, ("rat", 1, 2))``
``(name, a, ...)``       a function of ``FUNCTION_NODES`` (max and min take 2 or more)
======================  ================================================================

Trees are values: hashable, comparable and picklable, so they key caches and travel to the
worker process (``gradcore.expressions.worker``) as they are. The parser writes them (``gradcore.expressions.parsing``),
sympy reads and folds them in the worker (``gradcore.expressions.folding``) and numpy evaluates them
(``gradcore.expressions.evaluation``).
"""

from __future__ import annotations

import numpy as np

Tree = tuple
NUMBER_NODES = ("int", "rat", "float")
CONSTANT_NODES = ("pi", "e")
FUNCTION_NODES = ("sin", "cos", "tan", "exp", "log", "abs", "max", "min", "sigmoid", "tanh",
                  "sign", "heaviside", "re", "im")
SWITCH_NODES = ("abs", "sign", "heaviside")
MINUS_ONE: Tree = ("int", -1)
SHOWN_LENGTH = 60


def negate(node: Tree) -> Tree:
    """−node."""
    return ("mul", MINUS_ONE, node)


def difference(a: Tree, b: Tree) -> Tree:
    """a − b."""
    return ("add", a, negate(b))


def size(node: Tree, limit: int | None = None) -> int:
    """The number of nodes of ``node``; counting stops just past ``limit`` when one is given."""
    count, stack = 0, [node]
    while stack and (limit is None or count <= limit):
        current = stack.pop()
        count += 1
        if current[0] not in NUMBER_NODES and current[0] != "var":
            stack.extend(current[1:])
    return count


def variables_in(node: Tree) -> frozenset[str]:
    """The names of the variables that occur in ``node``."""
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        if current[0] == "var":
            found.add(current[1])
        elif current[0] not in NUMBER_NODES:
            stack.extend(current[1:])
    return frozenset(found)


def substitute(node: Tree, name: str, replacement: Tree) -> Tree:
    """``node`` with every ``("var", name)`` replaced by ``replacement``."""
    if node == ("var", name):
        return replacement
    if node[0] in NUMBER_NODES or node[0] == "var":
        return node
    return (node[0], *(substitute(child, name, replacement) for child in node[1:]))


def _is_negative(node: Tree) -> bool:
    return (node[0] in NUMBER_NODES and node[1] < 0) or \
        (node[0] == "mul" and node[1][0] in NUMBER_NODES and node[1][1] < 0)


def _wrapped(node: Tree, tight: bool = False) -> str:
    text = show(node, None)
    atomic = node[0] in ("var", "pi", "e", *FUNCTION_NODES) or \
        (node[0] == "int" and node[1] >= 0) or (node[0] == "float" and node[1] >= 0)
    if not tight and node[0] == "pow":
        atomic = True
    return text if atomic else f"({text})"


def show(node: Tree, length: int | None = SHOWN_LENGTH) -> str:
    """Plain text for ``node`` as a student would type it (``x^2 - 1``), cut to ``length``."""
    kind, args = node[0], node[1:]
    if kind in ("int", "float"):
        text = f"{args[0]:g}" if kind == "float" else str(args[0])
    elif kind == "rat":
        text = f"{args[0]}/{args[1]}"
    elif kind in CONSTANT_NODES:
        text = kind
    elif kind == "var":
        text = args[0]
    elif kind == "add":
        terms = _flattened(args, "add")
        text = show(terms[0], None)
        for term in terms[1:]:
            flipped = _flip_sign(term) if _is_negative(term) else None
            text += f" + {show(term, None)}" if flipped is None else \
                f" - {_wrapped(flipped) if _is_negative(flipped) else show(flipped, None)}"
    elif kind == "mul" or (kind == "pow" and args[1] == MINUS_ONE):
        text = _show_product(_flattened(args, "mul") if kind == "mul" else (node,))
    elif kind == "pow" and args[1] == ("rat", 1, 2):
        text = f"sqrt({show(args[0], None)})"
    elif kind == "pow":
        text = f"{_wrapped(args[0], tight=True)}^{_wrapped(args[1], tight=True)}"
    else:
        text = f"{kind}({', '.join(show(a, None) for a in args)})"
    if length is not None and len(text) > length:
        text = text[:length - 3] + "..."
    return text


def _flattened(args, kind: str) -> list[Tree]:
    """The operands of nested sums (or products) as one list: (a + b) + c -> a, b, c."""
    flat = []
    for arg in args:
        flat.extend(_flattened(arg[1:], kind) if arg[0] == kind else [arg])
    return flat


def _flip_sign(term: Tree) -> Tree:
    """−term for a negative number or a product that starts with one: 3 for -3, x for -1*x."""
    if term[0] in NUMBER_NODES:
        return (term[0], -term[1], *term[2:])
    head, rest = _flip_sign(term[1]), term[2:]
    if head in (("int", 1), ("float", 1.0)):
        return rest[0] if len(rest) == 1 else ("mul", *rest)
    return ("mul", head, *rest)


def _show_product(factors) -> str:
    sign = ""
    if factors[0] in (MINUS_ONE, ("float", -1.0)) and len(factors) > 1:
        sign, factors = "-", factors[1:]
    above = [f for f in factors if not (f[0] == "pow" and f[2] == MINUS_ONE)]
    below = [f[1] for f in factors if f[0] == "pow" and f[2] == MINUS_ONE]
    text = "*".join(_wrapped(f) for f in above) or "1"
    if not above and sign:
        sign, text = "", "-1"
    if below:
        text += "/" + (_wrapped(below[0]) if len(below) == 1 else
                       "(" + "*".join(_wrapped(f) for f in below) + ")")
    return sign + text


def polynomial(node: Tree, name: str, max_degree: int) -> np.ndarray | None:
    """Coefficients (highest power first) of ``node`` as a polynomial in the variable ``name``.

    None when ``node`` is not a polynomial in it (another variable, a function, a fractional or
    negative power) or its degree passes ``max_degree``. Float arithmetic: exact for the small
    integer and binary-fraction coefficients of typed switches such as x − 1 or 2x − 3.
    """
    kind, args = node[0], node[1:]
    if kind in NUMBER_NODES or kind in CONSTANT_NODES:
        return np.array([_constant_value(node)])
    if kind == "var":
        return np.array([1.0, 0.0]) if args[0] == name else None
    parts = [polynomial(a, name, max_degree) for a in args] if kind in ("add", "mul") else []
    if any(p is None for p in parts):
        return None
    if kind == "add":
        result = np.zeros(1)
        for part in parts:
            result = np.polyadd(result, part)
    elif kind == "mul":
        result = np.ones(1)
        for part in parts:
            result = np.polymul(result, part)
            if len(result) - 1 > max_degree:
                return None
    elif kind == "pow":
        return _polynomial_power(polynomial(args[0], name, max_degree), args[1], max_degree)
    else:
        return None
    return np.trim_zeros(result, "f") if np.any(result) else np.zeros(1)


def _polynomial_power(base: np.ndarray | None, exponent: Tree, max_degree: int):
    """base^exponent for a polynomial base and a number exponent (None if not a polynomial)."""
    if base is None or exponent[0] not in NUMBER_NODES:
        return None
    if len(base) == 1:
        return np.array([base[0] ** _constant_value(exponent)])
    if exponent[0] != "int" or not 0 <= exponent[1] <= max_degree // (len(base) - 1):
        return None
    result = np.ones(1)
    for _ in range(exponent[1]):
        result = np.polymul(result, base)
    return result


def _constant_value(node: Tree) -> float:
    kind = node[0]
    if kind == "rat":
        return node[1] / node[2]
    if kind in CONSTANT_NODES:
        return float(np.pi if kind == "pi" else np.e)
    return float(node[1])
