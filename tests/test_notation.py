"""Student notation: what is read as the explicit formula, what is refused with its fix."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcore import ExpressionError, parse_expression
from gradcore.expressions.notation import glued_name_hint, tokenize
from gradcore.expressions.parsing import CONSTANTS, FUNCTIONS
from tests.timing import timing

TIME_LIMIT_S = 1.0

# (what students type, its explicit spelling): both must give the same sympy expression
ACCEPTED = [
    ("2x", "2*x"), ("2 x", "2*x"), ("3xy", "3*xy"), ("1.5x^2", "1.5*x^2"), (".5x", "0.5*x"),
    ("2e3x", "2000.0*x"), ("2pi", "2*pi"), ("2(x+1)", "2*(x+1)"), ("2 sin(x)", "2*sin(x)"),
    ("-2x + 1", "-2*x + 1"), ("sin(2x)", "sin(2*x)"), ("e^(2x)", "exp(2*x)"),
    ("(x+1)(x-1)", "(x+1)*(x-1)"), ("(x+1)x", "(x+1)*x"), ("sin(x)cos(x)", "sin(x)*cos(x)"),
    ("|x|", "abs(x)"), ("|x - 1| + x/2", "abs(x - 1) + x/2"), ("2|x|", "2*abs(x)"),
    ("||x| - 1|", "abs(abs(x) - 1)"), ("|x||y|", "abs(x)*abs(y)"), ("x|y|", "x*abs(y)"),
    ("max(|x|, 1)", "max(abs(x), 1)"), ("|x|^2", "abs(x)^2"),
    ("x²", "x^2"), ("x³ - 2x", "x^3 - 2*x"), ("x⁻¹", "x^(-1)"), ("(x+1)²", "(x+1)^2"),
    ("x²y", "x^2*y"), ("x¹⁰", "x^10"), ("|x|²", "abs(x)^2"),
    ("sin x", "sin(x)"), ("ln x", "log(x)"), ("2 sin x + 1", "2*sin(x) + 1"),
    ("sin x cos x", "sin(x)*cos(x)"), ("sqrt 2", "sqrt(2)*1"), ("exp x - 1", "exp(x) - 1"),
    ("max(sin x, 0)", "max(sin(x), 0)"), ("e^x", "exp(x)"), ("ln(x)", "log(x)"),
    ("x(x+1)".replace("x(", "x*("), "x*(x+1)"),
]


@pytest.mark.parametrize("typed, explicit", ACCEPTED)
def test_unambiguous_notation_reads_as_its_explicit_spelling(typed, explicit):
    """Each accepted form parses to exactly the sympy expression of the explicit formula."""
    assert parse_expression(typed).sympy == parse_expression(explicit).sympy


# (typed, a piece of the message: the fix it names)
REFUSED = [
    ("x(x+1)", "write x*(x+1)"), ("y(2)", "write y*(2)"), ("xsin(x)", "write x*sin(x)"),
    ("foo(x)", "write foo*(x)"), ("x y", "write x*y"), ("2 3", "write 2*3"),
    ("pi x", "write pi*x"), ("x sin(x)", "write x*sin"),
    ("(x+1)2", "write (x+1)*2 to multiply, or (x+1)^2"), ("|x| 2", "write |x|*2"),
    ("x² 3", "write x²*3"), ("x^2y", "write x^(2*y)"), ("e^2x", "write e^(2*x)"),
    ("e^-2x", "write e^(-2*x)"), ("x^2(x+1)", "write x^(2*(x+1))"),
    ("1/2x", "write 1/(2*x) to divide by 2x, or 1/2*x"),
    ("sin x^2", "write sin(x^2) if x^2 is the whole argument, or sin(x)^2"),
    ("sin 2x", "write sin(2x) if 2x is the whole argument, or sin(2)*x"),
    ("sin x y", "write sin(x*y)"), ("sin -x", "write sin(-x)"), ("sin |x|", "write sin(|x|)"),
    ("sin²x", "sin(x)^2"), ("sin^2 x", "sin(x)^2"),
    ("|x", "not closed"), ("|x - 1", "write |x - 1| with a bar on each side, or abs(x - 1)"),
    ("(|x)|", "not closed"), ("x | y", "not closed"), ("²x", "write e.g. x² or x^2"),
    ("x⁻", "write x^2, x^3 or x^(-1)"),
]


@pytest.mark.parametrize("typed, fix", REFUSED)
def test_ambiguous_notation_is_refused_with_its_fix(typed, fix):
    """Each refused form raises ExpressionError whose message names the fix."""
    with pytest.raises(ExpressionError) as error:
        parse_expression(typed)
    assert fix in str(error.value)


@pytest.mark.parametrize("typed, fix", REFUSED)
def test_messages_are_plain_text(typed, fix):
    """Messages carry no Markdown emphasis or code marks (the page escapes what it shows)."""
    with pytest.raises(ExpressionError) as error:
        parse_expression(typed)
    assert not set(str(error.value)) & set("`_#$\\")


@pytest.mark.parametrize("typed, note", [
    ("sinx", "read 'sinx' as one variable named sinx; did you mean sin(x)?"),
    ("xy + 1", "read 'xy' as one variable named xy; for x times y write x*y"),
    ("3xyz", "for x times y times z write x*y*z"), ("sin2x", "did you mean sin(2x)?"),
    ("pix", "did you mean pi*x?"), ("lnx", "did you mean ln(x)?"),
])
def test_glued_names_stay_one_variable_with_a_note(typed, note):
    """A glued name is one variable, as before, and the Expression says how it was read."""
    f = parse_expression(typed)
    assert len(f.variables) == 1
    assert any(note in text for text in f.notes), f.notes


@pytest.mark.parametrize("typed", ["x^2 + theta", "w1*x1 + w2*x2", "eta*x", "foo + x", "rate"])
def test_ordinary_names_get_no_note(typed):
    """Names that are not glued-looking (theta, w1, foo, rate) carry no note."""
    assert parse_expression(typed).notes == ()


def test_unknown_glued_name_with_fixed_variables_names_the_fix():
    """With variables (x, y) fixed, 'xy' is refused with 'for x times y write x*y'."""
    with pytest.raises(ExpressionError, match=r"unknown name 'xy' \(for x times y write x\*y\)"):
        parse_expression("xy + 1", variables=("x", "y"))
    with pytest.raises(ExpressionError, match=r"unknown name 'sinx' \(did you mean sin\(x\)\?\)"):
        parse_expression("sinx", variables=("x",))


def test_notes_follow_derivatives_and_compositions():
    """derivative() keeps the notes; compose() joins the outer's and the inner's."""
    f = parse_expression("xy^2")
    assert f.derivative().notes == f.notes
    assert parse_expression("x^2").compose(f).notes == f.notes


def test_glued_name_hint_is_none_for_repeated_letters_and_greek():
    """'foo', 'xx', 'eta', 'theta' get no product hint."""
    hint = {name: glued_name_hint(name, FUNCTIONS, CONSTANTS) for name in
            ("foo", "xx", "eta", "theta", "ab")}
    assert hint == {"foo": None, "xx": None, "eta": None, "theta": None,
                    "ab": "for a times b write a*b"}


def test_syntax_error_positions_refer_to_the_typed_text():
    """After rewriting 2x, |x| and x², a syntax error still points into what was typed."""
    with pytest.raises(ExpressionError, match="near position 13"):  # the second *
        parse_expression("2|x| + x² * * 3")
    with pytest.raises(ExpressionError, match="near position 6 .'.' was never closed"):
        parse_expression("2x + (x")
    with pytest.raises(ExpressionError, match="at its end"):
        parse_expression("2x +")


def test_tokens_keep_their_typed_positions():
    """The tokenizer classifies names and keeps 1-based positions."""
    tokens = tokenize("2sin x+|y|²", FUNCTIONS, CONSTANTS)
    assert [(t.kind, t.text, t.position) for t in tokens] == [
        ("number", "2", 1), ("function", "sin", 2), ("space", " ", 5), ("variable", "x", 6),
        ("char", "+", 7), ("bar", "|", 8), ("variable", "y", 9), ("bar", "|", 10),
        ("super", "²", 11)]


def test_python_words_are_not_glued_into_names():
    """Spaces are kept, so 'x if x else y' stays four words and is refused, not one name."""
    with pytest.raises(ExpressionError, match="'if ... else' is not allowed"):
        parse_expression("x if x else y")


NOTATION_ALPHABET = "xyze0123456789.+-*/^(), |²³⁻¹sinclogpab"


def parsed_or_refused(text: str) -> float:
    """Parse `text`: an Expression (with its notes) or an ExpressionError, never another
    exception; returns the seconds it took."""
    start = time.perf_counter()
    try:
        f = parse_expression(text)
    except ExpressionError:
        return time.perf_counter() - start
    assert isinstance(f.notes, tuple)
    return time.perf_counter() - start


@settings(max_examples=300)
@given(text=st.text(alphabet=NOTATION_ALPHABET, max_size=40))
def test_random_notation_gives_an_expression_or_an_expression_error(text):
    """Any mix of notation characters is parsed or refused, never another exception."""
    parsed_or_refused(text)


@timing
@settings(max_examples=300)
@given(text=st.text(alphabet=NOTATION_ALPHABET, max_size=40))
def test_random_notation_is_answered_within_the_time_limit(text):
    """Any mix of notation characters is parsed or refused within TIME_LIMIT_S."""
    assert parsed_or_refused(text) < TIME_LIMIT_S
