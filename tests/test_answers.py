"""gradcore.exercises.answers: students' answers read without eval, with advice when unreadable."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcore.exercises.answers import (
    MAX_ANSWER_LENGTH,
    AnswerError,
    parse_choice,
    parse_interval,
    parse_number,
    parse_vector,
    parse_yes_no,
    read,
)
from tests.timing import timing

SIGNS = {"positive": ("+", "pos"), "negative": ("-", "neg"), "zero": ("0",)}
# A parse takes microseconds; a pathological one (regex backtracking on a long answer) would
# take seconds or more. The bound is far above the first and far below the second, so a busy
# machine does not fail the test and a real regression still does.
TIME_LIMIT_SECONDS = 0.5


@pytest.mark.parametrize("text, value", [
    ("0.5", 0.5), (".5", 0.5), ("1/2", 0.5), ("-3", -3.0), ("\u22123", -3.0), ("+2", 2.0),
    ("1e-3", 1e-3), ("2E3", 2000.0), ("  7  ", 7.0), ("-3/4", -0.75), ("3/-4", -0.75),
    ("½", 0.5), ("f'(1) = 4", 4.0), ("(3)", 3.0), ("\u20133", -3.0),
])
def test_numbers_as_students_write_them(text, value):
    """Decimals, fractions, signs (ASCII or Unicode), exponents and "= ..." read as numbers."""
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text, value", [
    ("(2, 8, 18)", (2, 8, 18)), ("2,8,18", (2, 8, 18)), ("[2 8 18]", (2, 8, 18)),
    ("2; 8; 18", (2, 8, 18)), ("(−1, 1/2, 3)", (-1, 0.5, 3)), ("∇f = (2, 8, 18)", (2, 8, 18)),
    ("{1, -2, 3}", (1, -2, 3)), ("2 -3 4", (2, -3, 4)),
])
def test_vectors_as_students_write_them(text, value):
    """Brackets optional; commas, semicolons or spaces between components."""
    assert parse_vector(text) == pytest.approx(value)


@pytest.mark.parametrize("text, value", [
    ("[−1, 1]", (-1, 1)), ("-1 to 1", (-1, 1)), ("[-1,1]", (-1, 1)),
    ("from -1 to 1", (-1, 1)), ("between 0 and 1", (0, 1)), ("(0, 1)", (0, 1)),
])
def test_intervals_as_students_write_them(text, value):
    """Bracketed pairs and "a to b" / "between a and b" read as (lo, hi) as written."""
    assert parse_interval(text) == pytest.approx(value)


@pytest.mark.parametrize("text, value", [
    ("yes", True), ("Y", True), ("true", True), ("Yes, it is.", True), ("no", False),
    ("n", False), ("False", False), ("no it does not", False),
])
def test_yes_no(text, value):
    """yes/y/true and no/n/false, any case, words around them allowed."""
    assert parse_yes_no(text) is value


@pytest.mark.parametrize("text, value", [
    ("positive", "positive"), ("It is positive", "positive"), ("+", "positive"),
    ("NEG", "negative"), ("zero", "zero"),
])
def test_choices(text, value):
    """A choice is named by its name or an alias, alone or in a sentence."""
    assert parse_choice(text, SIGNS) == value


@pytest.mark.parametrize("parser, text, advice", [
    (parse_number, "abc", "cannot be read"),
    (parse_number, "0,5", "Use a point for decimals"),
    (parse_number, "", "no number"),
    (parse_number, "-", "followed by a number"),
    (parse_number, "--3", "Two signs"),
    (parse_number, "1/0", "cannot divide by 0"),
    (parse_number, "1e999", "too large"),
    (parse_number, "3 % 4", "cannot be read"),
    (parse_vector, "(2, 8", "never closed"),
    (parse_vector, "2,,8", "empty place"),
    (parse_vector, "hello", r"write a vector like \(2, 8, 18\)"),
    (parse_interval, "0.5", "single number"),
    (parse_interval, "1 2 3", "two ends"),
    (parse_yes_no, "maybe", "Answer yes or no"),
    (parse_yes_no, "yes and no", "both"),
    (parse_choice, "sideways", "Answer with one of"),
    (parse_number, "x" * (MAX_ANSWER_LENGTH + 1), "too long"),
    (parse_number, "__import__('os')", "cannot be read"),
])
def test_unreadable_answers_get_advice(parser, text, advice):
    """Every refusal is an AnswerError whose message says how to write the answer."""
    args = (text, SIGNS) if parser is parse_choice else (text,)
    with pytest.raises(AnswerError, match=advice):
        parser(*args)


def test_wrong_length_vector_names_the_expected_length():
    """A vector of the wrong length says how many components are expected."""
    with pytest.raises(AnswerError, match="3 components; you wrote 2"):
        parse_vector("(1, 2)", 3)


def read_by_every_parser(text: str) -> float:
    """Every parser reads `text` to a value or an AnswerError (any other exception fails the
    test); returns the seconds all six took."""
    start = time.perf_counter()
    for parser in (parse_number, parse_vector, parse_interval, parse_yes_no, read):
        try:
            parser(text)
        except AnswerError:
            pass
    try:
        parse_choice(text, SIGNS)
    except AnswerError:
        pass
    return time.perf_counter() - start


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=MAX_ANSWER_LENGTH + 20))
def test_arbitrary_text_never_raises_anything_else(text):
    """Any text: a value or an AnswerError, never another exception."""
    read_by_every_parser(text)


@timing
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=MAX_ANSWER_LENGTH + 20))
def test_arbitrary_text_is_read_quickly(text):
    """Any text is read by all six parsers within six times the per-parse bound."""
    assert read_by_every_parser(text) < TIME_LIMIT_SECONDS * 6


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=8),
       st.sampled_from([", ", ",", " ", "; "]), st.sampled_from(["()", "[]", ""]))
def test_written_vectors_read_back(values, separator, brackets):
    """A vector written with any separator and bracket style reads back to its numbers."""
    text = separator.join(repr(v) for v in values)
    if brackets:
        text = brackets[0] + text + brackets[1]
    assert parse_vector(text) == pytest.approx(tuple(values))


WORST_CASE_ANSWERS = ("1," * (MAX_ANSWER_LENGTH // 2), "(" * MAX_ANSWER_LENGTH,
                      "9" * MAX_ANSWER_LENGTH, "ﷺ" * MAX_ANSWER_LENGTH, "-" * MAX_ANSWER_LENGTH)


def test_worst_case_length_is_refused():
    """The longest allowed answers of the backtracking-prone shapes are refused as vectors."""
    for text in WORST_CASE_ANSWERS:
        with pytest.raises(AnswerError):
            parse_vector(text)


@timing
def test_worst_case_length_is_fast():
    """The longest allowed answers are refused in well under a second (no backtracking)."""
    for text in WORST_CASE_ANSWERS:
        start = time.perf_counter()
        with pytest.raises(AnswerError):
            parse_vector(text)
        assert time.perf_counter() - start < TIME_LIMIT_SECONDS
