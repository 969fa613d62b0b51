"""Honest messages about typed formulas: ordinary powers are accepted (the work is bounded, not
the written exponent), a flat sum is not "nested", any Unicode space is a space, a refusal
names the real limit, every parser limit is in the README, and the chain rule keeps its
numbers when only the symbolic step is too complex."""

import collections
import math
import re
from pathlib import Path

import pytest

from gradcore import ExpressionError, parse_expression
from gradcore.calculus import chain
from gradcore.calculus.chain import COMPOSITE_NOTE, PRODUCT_NOTE, chain_rule
from gradcore.expressions import parsing, symbolic, worker, worker_server
from gradcore.expressions.folding import MAX_ROOT_DENOMINATOR

README = Path(__file__).resolve().parent.parent / "README.md"
RTOL = 1e-12


@pytest.fixture
def fresh_chains(monkeypatch):
    """chain_rule's cache of results per (f, g), empty here and restored afterwards, so a
    chain built under a forced budget is never handed to another test."""
    monkeypatch.setattr(chain, "_cache", collections.OrderedDict())


@pytest.mark.parametrize("text, x, slope", [
    ("(x^2+1)^60", 0.5, 60 * 1.25**59 * 2 * 0.5),
    ("sin(x^2)^60", 1.2, None),
    ("(x+2^7)^60", -127.5, 60 * 0.5**59),
])
def test_ordinary_powers_are_accepted_with_exact_slopes(text, x, slope):
    """(x^2+1)^60, sin(x^2)^60, (x+2^7)^60: accepted (their exponents as written multiply past
    100, but they cost sympy milliseconds), with slopes that match the closed form."""
    f = parse_expression(text)
    if slope is None:  # d/dx sin(x^2)^60 = 60 sin(x^2)^59 cos(x^2) 2x
        slope = 60 * math.sin(x * x) ** 59 * math.cos(x * x) * 2 * x
    assert f.gradient([x])[0] == pytest.approx(slope, rel=RTOL)
    assert "59" in f.gradient_latex[0]


def test_a_power_that_multiplies_out_names_the_exponent_it_works_out_to():
    """((x^100)^100): refused with the exponent it becomes, not a rule on written exponents."""
    with pytest.raises(ExpressionError, match="works out to a power with exponent 10000"):
        parse_expression("(x^100)^100")


@pytest.mark.parametrize("text", [
    "+".join(f"x^{k}" for k in range(31)),
    "*".join(["x"] * 31), "*".join(["(x+1)"] * 31), "-".join(["x"] * 40),
    "/".join(["x"] * 31),
])
def test_a_flat_sum_or_product_is_one_level_of_nesting(text):
    """A 31-term polynomial, a product of 31 factors: accepted, not "nested 30+ levels"."""
    f = parse_expression(text)
    assert f.variables == ("x",)


def test_thirty_one_real_levels_are_refused_by_what_they_are():
    """sin(sin(...)) 31 deep: refused, naming nesting of brackets, functions and powers."""
    text = "sin(" * 31 + "x" + ")" * 31
    with pytest.raises(ExpressionError,
                       match=r"nests more than 30 levels deep \(brackets, functions and powers"):
        parse_expression(text)


@pytest.mark.parametrize("space", ["\u2009", "\u00a0", "\u202f", "\u3000", "\u2002", "\u205f",
                                   "\u200a", "\t", "\n"])
def test_any_unicode_space_is_read_as_a_space(space):
    """A thin space (U+2009), a no-break space and the other Unicode spaces are spaces."""
    f = parse_expression(f"2{space}x{space}+{space}1")
    assert f.text == "2 x + 1"
    assert f.value([3.0]) == 7.0


@pytest.mark.parametrize("char, name", [("\u200b", "ZERO WIDTH SPACE"), ("\x1f", "U+001F")])
def test_invisible_characters_are_still_refused_and_named(char, name):
    """A zero-width space shows nothing, so it is refused, named, not read as a space."""
    with pytest.raises(ExpressionError, match=re.escape(name)):
        parse_expression(f"x{char}+1")


def test_too_complex_to_read_names_the_cpu_limit():
    """The fold stage's refusal says how much CPU time sympy may use per formula."""
    message = symbolic.TOO_COMPLEX_TO_READ.format(text="f")
    assert f"more than {symbolic.BUILD_SECONDS:g} s of CPU time" in message
    assert symbolic.too_complex(message)
    assert not symbolic.too_complex(worker_server.LOST.format(text="f"))
    assert not symbolic.too_complex(worker.BUSY.format(seconds=15))


def test_busy_and_lost_messages_say_they_are_no_verdict():
    """Busy (line full, waited too long, stalled) and lost worker messages say so."""
    assert worker.BUSY.format(seconds=15).startswith("the server is busy")
    assert worker_server.QUEUE_FULL.format(count=4).startswith("the server is busy")
    assert worker_server.STALLED.format(text="f", seconds=30).startswith("the server is busy")
    assert "says nothing about the formula" in worker_server.LOST.format(text="f")
    for message in (worker.BUSY, worker_server.QUEUE_FULL, worker_server.LOST,
                    worker_server.STALLED):
        assert "too complex" not in message


def _formula_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("### Typing formulas"):text.index("### Your CSV file")]


@pytest.mark.parametrize("row", [
    f"| length | {parsing.MAX_LENGTH} characters |",
    f"| {parsing.MAX_NODES} |",
    f"| {parsing.MAX_DEPTH} levels |",
    f"| {parsing.MAX_VARIABLES} names of at most {parsing.MAX_NAME_LENGTH} characters each |",
    f"| {parsing.MAX_LITERAL:.0e}".replace("e+0", "e") + " in size |",
    f"| {parsing.MAX_CONSTANT:.0e}".replace("e+", "e") + " in size (100 digits) |",
    f"| {parsing.MAX_EXPONENT} in size |",
    f"| denominator {MAX_ROOT_DENOMINATOR} |",
    f"| {parsing.FUNCTIONS['max'][1]} arguments |",
    f"| {symbolic.BUILD_SECONDS:g} s of CPU time |",
    f"| {symbolic.LATEX_SECONDS:g} s of CPU time, {symbolic.MAX_LATEX_LENGTH:,} characters |",
    f"| {symbolic.DERIVATIVE_SECONDS:g} s of CPU time, {symbolic.MAX_DERIVATIVE_NODES:,} pieces",
    f"| {symbolic.MAX_TREE_NODES:,} pieces |",
    f"| {worker_server.KILL_SECONDS:g} s of CPU time, {worker_server.MEMORY_BYTES >> 30} GB of "
    "memory |",
])
def test_every_limit_is_in_the_readme(row):
    """The README's formula section lists each limit with the value the code enforces."""
    assert row in _formula_section()


def test_the_chain_keeps_its_numbers_when_a_derivative_is_too_complex(derivative_out_of_time,
                                                                     fresh_chains):
    """f′ and g′ out of time (forced): no product formula, a note says why, and the product,
    the direct derivative and the values are exact: d/dx ((x+5)^2 + 7) at 2 is 14. (A pair no
    other test uses: chain_rule keeps its result per pair.)"""
    built = chain_rule(parse_expression("x^2 + 7"), parse_expression("x + 5"))
    assert built.product_latex == symbolic.NOT_DIFFERENTIATED
    assert PRODUCT_NOTE in built.notes
    assert built.composite.gradient([2.0])[0] == pytest.approx(14.0, rel=RTOL)
    assert built.outer.gradient([7.0])[0] == pytest.approx(14.0, rel=RTOL)
    assert built.composite.value([2.0]) == pytest.approx(56.0, rel=RTOL)


def test_the_chain_keeps_its_numbers_when_sympy_cannot_fold_the_composite(monkeypatch,
                                                                         fresh_chains):
    """The composite sin(x^2 + 1) runs out of sympy's time (forced): it is evaluated from the
    trees of f and g, exact, with a note; f and g themselves are shown as usual."""
    outer, inner = parse_expression("sin(x)"), parse_expression("x^2 + 1")
    real = worker.analyse

    def slow_composite(tree, variables, owner=None):
        if tree[0] == "sin" and tree[1] != ("var", "x") and variables == ("x",):
            raise ExpressionError(symbolic.TOO_COMPLEX_TO_READ.format(text="sin(x^2 + 1)"))
        return real(tree, variables, owner)

    monkeypatch.setattr(worker, "analyse", slow_composite)
    built = chain_rule(outer, inner)
    assert COMPOSITE_NOTE in built.notes
    assert built.composite.value([0.5]) == pytest.approx(math.sin(1.25), rel=RTOL)
    assert built.composite.gradient([0.5])[0] == pytest.approx(math.cos(1.25) * 1.0, rel=RTOL)
    assert built.product_latex.startswith(r"\cos")


def test_a_chain_that_breaks_a_real_limit_is_still_refused():
    """log of a negative constant composed: undefined everywhere, an ExpressionError."""
    with pytest.raises(ExpressionError, match="undefined"):
        chain_rule(parse_expression("log(x)"), parse_expression("x - x - 1"))


def _mistake_rows() -> list[tuple[list[str], str, list[str]]]:
    """The README's "common mistakes" table: (typed examples, why, fixes to write) per row."""
    section = _formula_section()
    table = section[section.index("| typed | why | write |"):].split("\n\n")[0]
    rows = []
    for line in table.splitlines()[2:]:
        typed, why, write = (cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:4])

        def code(cell):
            return [piece.replace("\\|", "|") for piece in re.findall(r"`([^`]+)`", cell)]

        rows.append((code(typed), why.replace("\\|", "|"), code(write)))
    return rows


@pytest.mark.parametrize(("typed", "why", "write"), _mistake_rows(),
                         ids=lambda value: value[0] if isinstance(value, list) and value else "")
def test_every_common_mistake_in_the_readme_gets_its_fix(typed, why, write):
    """Each typed example of a README row is refused with a message naming one of the row's
    fixes (or, for a row without a fix, its reason); each fix is named by some example's
    message, and each fix that is a formula is accepted."""
    messages = []
    for text in typed:
        with pytest.raises(ExpressionError) as refused:
            parse_expression(text)
        message = str(refused.value)
        messages.append(message)
        if write:
            assert any(fix in message for fix in write), (text, message, write)
        else:
            assert why in message, (text, message)
    for fix in write:
        assert any(fix in message for message in messages), (fix, messages)
        if fix not in parsing.FUNCTIONS:
            parse_expression(fix)


@pytest.mark.parametrize(("typed", "said", "not_said"), [
    ("ReLU(x)", "names are lower case, so write relu(x)", "ReLU*"),
    ("log10(x)", "write log(x)/log(10)", "log10*"),
    ("sign(x)", "abs(x)/x", "sign*"),
    ("sign(x)", "Subgradients page", "sign*"),
    ("cosh(x)", "(exp(x) + exp(-x))/2", "cosh*"),
    ("cosh(2x+1)", "(exp(2x+1) + exp(-(2x+1)))/2", "cosh*"),
    ("asin(x)", "inverse trigonometric functions are not offered", "a*sin"),
    ("atan(x)", "inverse trigonometric functions are not offered", "a*tan"),
    ("sigmod(x)", "did you mean sigmoid(x)", "lower case"),
    ("cosh x", "(exp(x) + exp(-x))/2", "cosh*x"),
    ("Sin x", "write sin(x)", "Sin*x"),
    ("xsin(x)", "to multiply, write x*sin(x)", "did you mean"),
    ("a(x+1)", "to multiply, write a*(x+1)", "did you mean"),
    ("pow(x, 2)", "write a power with ^", "pow*"),
])
def test_unknown_names_get_advice_that_works(typed, said, not_said):
    """A function the parser does not offer gets what works instead (issue 26 item 2), never
    the product that reads it as a variable (ReLU*(x), a*sin(x))."""
    with pytest.raises(ExpressionError) as refused:
        parse_expression(typed)
    assert said in str(refused.value)
    assert not_said not in str(refused.value)


@pytest.mark.parametrize(("glued", "said"), [
    ("asinx", "asin, which is not one of the functions here"),
    ("log10x", "write log(x)/log(10)"),
    ("sinhx", "write (exp(x) - exp(-x))/2"),
])
def test_a_glued_unknown_function_is_named_in_the_note(glued, said):
    """asinx is one variable, and its note names asin as not offered (not sin(x) after a)."""
    expression = parse_expression(glued)
    assert expression.variables == (glued,)
    assert any(said in note for note in expression.notes), expression.notes
