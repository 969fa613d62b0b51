"""What to write instead: refused formula text turned into advice that works.

``keyboard_version(text, lookalikes)`` is the text with look-alike characters replaced
(``2×x`` -> ``2*x``, ``√x`` -> ``sqrt(x)``, ``[x+1]^2`` -> ``(x+1)^2``), to quote in a message.

``unknown_call(name, group, functions)`` is the message for a call of an unknown name, where
``group`` is the typed bracket group after it ("(x)", "(x+1)"), in this order:

1. a name students often reach for (``NOT_OFFERED``): what works instead, written with their
   own argument (``log10(x)`` -> ``log(x)/log(10)``, ``cosh(x)`` -> ``(exp(x) + exp(-x))/2``),
   or that it is not offered (the inverse trigonometric functions);
2. an offered function in other case (``ReLU``, ``Sin``): names are lower case;
3. a variable glued to a function (``xsin(x)``): the product ``x*sin(x)``;
4. otherwise the nearest offered name by ``difflib`` (``sigmod`` -> ``sigmoid``), and, for a
   name that can be a variable, the product (``a(x+1)`` -> ``a*(x+1)``).

Plain string work on the typed text: nothing here evaluates anything.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

NEAREST_CUTOFF = 0.75
"""difflib's similarity (0..1) a name needs to be suggested: sigmod/sigmoid 0.92, sqt/sqrt 0.86,
ab/abs 0.8; x/exp 0.5 is not."""

_SIMPLE = re.compile(r"-?[A-Za-z0-9_.]+")
_INVERSE_TRIG = "inverse trigonometric functions are not offered"
_SIGN = ("write abs({a})/{p}, which is sign({a}) except where {a} = 0 (undefined there); for "
         "the slopes of |x| at 0 see the Subgradients page")

NOT_OFFERED = {
    "log10": "write log({a})/log(10) (log is the natural logarithm)",
    "log2": "write log({a})/log(2) (log is the natural logarithm)",
    "lg": "write log({a})/log(10) (log is the natural logarithm)",
    "sign": _SIGN, "sgn": _SIGN, "signum": _SIGN,
    "cosh": "write (exp({a}) + exp(-{p}))/2",
    "sinh": "write (exp({a}) - exp(-{p}))/2",
    "sec": "write 1/cos({a})", "csc": "write 1/sin({a})", "cot": "write 1/tan({a})",
    "softplus": "write log(1 + exp({a}))",
    "exp2": "write 2^{p}",
    "pow": "write a power with ^, e.g. x^2",
    "sqr": "write {p}^2 for a square, or sqrt({a}) for a square root",
    "heaviside": "the step function is not offered: it is the slope of relu (see the "
                 "Derivatives page), or write (abs({a})/{p} + 1)/2, undefined at 0",
    **{name: _INVERSE_TRIG for name in (
        "asin", "acos", "atan", "atan2", "arcsin", "arccos", "arctan", "asinh", "acosh",
        "atanh", "arsinh", "arcosh", "artanh", "arcsinh", "arccosh", "arctanh")},
}
"""Names students often type, lower case -> what to write instead ({a}: the argument as typed,
{p}: the same in brackets unless it is a single name or number)."""


def _argument(group: str) -> tuple[str, str]:
    """(the argument inside ``group``, the same ready to follow a sign or precede /)."""
    inner = group[1:-1].strip() if group.startswith("(") and group.endswith(")") else group
    inner = inner or "x"
    return inner, inner if _SIMPLE.fullmatch(inner) else f"({inner})"


def not_offered(name: str, group: str = "(x)") -> str | None:
    """What to write instead of ``name`` + ``group`` (a ``NOT_OFFERED`` name, any case), as
    "log10, which is not one of the functions here: write log(x)/log(10) ...", or None."""
    advice = NOT_OFFERED.get(name.lower())
    if advice is None:
        return None
    inner, plain = _argument(group)
    return f"{name}, which is not one of the functions here: {advice.format(a=inner, p=plain)}"


def unknown_call(name: str, group: str, functions: Collection[str], *,
                 glued: str | None = None, variable: bool = True, typed: str | None = None
                 ) -> str:
    """The message for ``name`` + ``group`` where ``name`` is no offered function (module
    docstring). ``glued``: the product to suggest when ``name`` ends with a function's name
    (x*sin(x)); ``variable``: whether ``name`` could be a variable (then the product
    ``name*group`` is offered too); ``typed``: the text to quote, if not ``name + group``."""
    called = f"'{typed or name + group}'"
    advice = not_offered(name, group)
    if advice is not None:
        return f"{called} uses {advice}"
    if name.lower() in functions:
        return f"{called} calls {name}: names are lower case, so write {name.lower()}{group}"
    listed = f"which is not one of the functions ({', '.join(functions)})"
    if glued is not None:
        return f"{called} calls {name}, {listed}: to multiply, write {glued}"
    nearest = difflib.get_close_matches(name.lower(), list(functions), n=1,
                                        cutoff=NEAREST_CUTOFF)
    product = f"{name}*{group}"
    if nearest:
        other = f", or, to multiply, write {product}" if variable else ""
        return f"{called} calls {name}, {listed}: did you mean {nearest[0]}{group}{other}?"
    if variable:
        return f"{called} calls {name}, {listed}: to multiply, write {product}"
    return f"{called} calls {name}, {listed}"


MAX_QUOTED = 60
"""Longest rewritten text quoted in a message."""
_ROOT = re.compile(r"√\s*(\([^()]*\)|[A-Za-z0-9_.]+)")
_BRACKETS = str.maketrans("[]{}", "()()")


def keyboard_version(text: str, lookalikes: dict[str, str]) -> str | None:
    """``text`` typed on a keyboard: each look-alike character as ``lookalikes`` maps it,
    ``√a`` as ``sqrt(a)``, square and curly brackets as round ones; None when something else
    remains that is no plain keyboard character, or the result is over ``MAX_QUOTED`` long."""
    fixed = _ROOT.sub(lambda m: f"sqrt({m.group(1).removeprefix('(').removesuffix(')')})",
                      text)
    fixed = "".join(lookalikes.get(char, char) for char in fixed).translate(_BRACKETS)
    plain = fixed.isascii() and fixed.isprintable() and len(fixed) <= MAX_QUOTED
    return fixed if plain and fixed != text else None
