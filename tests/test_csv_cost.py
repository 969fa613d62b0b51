"""What an upload costs, hostile or not: gradcore.data.csv_text's scans and load_csv's order of work.

The hostile files of issue 24 (a row wider than the header, a header of millions of fields,
megabytes of blank lines, quotes) are refused or read without pandas or csv ever splitting
more than the limits allow: traps in place of ``pandas.read_csv`` and of the header split
prove it. CPU bounds (the ``timing`` group, tests/timing.py) are 5 s per MB, five times the issue's goal, so a busy machine does not
fail them; benchmarks/bench_uploads.py prints the real figures (hundredths of a second per MB).
"""

import codecs
import csv
import io
import time

import numpy as np
import pandas as pd
import pytest

from gradcore import MAX_COLUMNS, DataError, load_csv
from gradcore.data import csv_loader, csv_text
from tests.timing import timing

MB = 2**20
GENEROUS_SECONDS_PER_MB = 5.0


@pytest.fixture
def rng():
    return np.random.default_rng(24)


@pytest.fixture
def no_pandas(monkeypatch):
    """pandas.read_csv replaced by a trap: the test fails if the table is parsed."""
    def trap(*args, **kwargs):
        raise AssertionError("pandas.read_csv was called")

    monkeypatch.setattr(pd, "read_csv", trap)


def refused(raw: bytes, message: str) -> float:
    """load_csv refuses `raw` with `message`; returns the CPU seconds the refusal took."""
    start = time.process_time()
    with pytest.raises(DataError, match=message):
        load_csv(raw)
    return time.process_time() - start


def budget(raw: bytes) -> float:
    """GENEROUS_SECONDS_PER_MB of CPU per MB of `raw` (at least a tenth of a MB's)."""
    return GENEROUS_SECONDS_PER_MB * max(len(raw) / MB, 0.1)


HOSTILE = [
    ("wide-row", b"x,y\n" + b",".join([b"1"] * 185_000) + b"\n",
     "line 2 has 185,000 fields but the header has 2"),
    ("wide-row-after-a-good-one", b"x,y\n1,2\n" + b"1," * 500_000 + b"1\n",
     "line 3 has 500,001 fields but the header has 2"),
    ("every-row-one-field-more", b"x,y\n" + b"1,2,3\n" * 100_000, "line 2 has 3 fields"),
    ("wide-row-of-delimiters-only", b"a;y\n1;2\n" + b";" * 1_000_000 + b"\n",
     "line 3 has 1,000,001 fields but the header has 2"),
    ("quoted-wide-row", b'"x","y"\n' + b",".join([b'"1"'] * 250_000) + b"\n",
     "line 2 has more than 2 fields but the header has 2"),
    ("wide-row-after-quoted-line-breaks", b'a,y\n"1\n2",3\n' + b",".join([b"4"] * 100_000) + b"\n",
     "line 4 has 100,000 fields"),
    ("wide-row-after-blank-lines", b"x,y\n" + b"\r\n" * 300_000 + b"1,2,3\n",
     "line 300,002 has 3 fields"),
    ("unclosed-quote-in-the-body", b'x,y\n1,2\n"3,4\n' + b"5,6\n" * 100_000,
     "a quoted field on line 3 is never closed"),
]


@pytest.mark.parametrize(("raw", "message"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_rows_wider_than_the_header_are_refused_before_pandas_reads_anything(raw, message, no_pandas):
    """A line with more fields than the header (or an unclosed quote) is named, line number and
    field count, without pandas (which would build a many-level index: seconds per KB)."""
    refused(raw, message)


WIDE_HEADERS = [
    (b"ab," * 2_000_000 + b"y\n1,2\n", "2,000,001 columns; the limit is 200"),
    (b'"ab",' * 1_000_000 + b'"y"\n1,2\n', "more than 200 columns; the limit is 200"),
]


def test_a_header_of_millions_of_fields_is_counted_not_split(monkeypatch, no_pandas):
    """6 MB of header fields: refused from their count; csv never splits more than the limit."""
    split = csv_loader._rows

    def bounded_split(lines, delimiter):
        assert all(csv_text.field_count(line, delimiter, MAX_COLUMNS + 2) <= MAX_COLUMNS + 1
                   for line in lines), "a line wider than the column limit was split"
        return split(lines, delimiter)

    monkeypatch.setattr(csv_loader, "_rows", bounded_split)
    for raw, message in WIDE_HEADERS:
        refused(raw, message)


BLANKS = [b"\n", b"\r\n", b"\r", b" \t \n", b" "]


def read_after_blank_lines(blank: bytes) -> float:
    """2 MB of `blank` before a 2 x 2 table: the table is read; the CPU seconds it took."""
    filler = blank * (2 * MB // len(blank)) + (b"\n" if blank == b" " else b"")
    start = time.process_time()
    table = load_csv(filler + b"x,y\n1,2\n3,4\n")
    spent = time.process_time() - start
    np.testing.assert_array_equal(table.to_numpy(), [[1, 2], [3, 4]])
    return spent


@pytest.mark.parametrize("blank", BLANKS)
def test_megabytes_of_blank_lines_before_the_header_are_skipped(blank):
    """2 MB of blank lines (or of spaces) before the header: the table is read, its lines
    numbered from the file's start."""
    read_after_blank_lines(blank)
    with pytest.raises(DataError, match="line 4 has 3 fields"):
        load_csv(b"\n\nx,y\n1,2,3\n")


@timing
@pytest.mark.parametrize(("raw", "message"), [c[1:] for c in HOSTILE] + WIDE_HEADERS,
                         ids=[c[0] for c in HOSTILE] + ["wide-header", "wide-quoted-header"])
def test_refusals_stay_within_the_cpu_budget(raw, message):
    """Each hostile file is refused within GENEROUS_SECONDS_PER_MB of CPU per MB."""
    spent = refused(raw, message)
    assert spent <= budget(raw), f"{spent:.2f} s"


@timing
@pytest.mark.parametrize("blank", BLANKS)
def test_blank_lines_are_skipped_within_the_cpu_budget(blank):
    """2 MB of blank lines cost at most two MB's budget."""
    assert read_after_blank_lines(blank) <= GENEROUS_SECONDS_PER_MB * 2


def test_first_lines_skips_blank_runs_and_keeps_leading_spaces():
    """first_lines: where the first non-blank line starts, and the non-blank lines as they are."""
    text = "\r\n \n\t\r  a,b \r\n\n1,2\r3,4"
    start, lines = csv_text.first_lines(text, 10)
    assert lines == ["  a,b ", "1,2", "3,4"]
    assert text[start:].startswith("  a,b")
    assert csv_text.first_lines(text, 2)[1] == ["  a,b ", "1,2"]
    assert csv_text.first_lines(" \n\r\n", 5) == (0, [])


@pytest.mark.parametrize(("line", "count", "unclosed"), [
    ("a,b,c", 3, None), ('"a,b",c', 2, None), ('a"b,c', 2, None), ('"a""b,c",d', 2, None),
    ('"ab"x,"c"', 2, None), ("", 1, None), (",,", 3, None), ('x,"b', 2, 2), ('"', 1, 0),
    ('"a""', 1, 0),
])
def test_field_count_and_unclosed_quote_read_quotes_as_csv_does(line, count, unclosed):
    """Quotes open a field only at its start, "" is a quote, a quote inside a field is text."""
    assert csv_text.field_count(line, ",") == count
    assert csv_text.unclosed_quote(line, ",") == unclosed
    if unclosed is None:
        assert len(next(csv.reader([line]))) == max(count, 1) or line == ""


def test_field_count_of_a_quoted_line_stops_at_the_limit():
    """Counting a line of a million quoted fields stops at `most`."""
    assert csv_text.field_count('"1",' * 1_000_000 + '"1"', ",", MAX_COLUMNS + 1) == MAX_COLUMNS + 1


def random_csv(rng) -> str:
    """A small CSV with quoted fields holding separators, quotes and line breaks, ragged rows,
    blank lines, literal quotes inside fields, mixed line ends and sometimes an open quote."""
    cells = ["1", "2.5", "", "a b", '"q,1"', '"line\nbreak"', '"say ""hi"""', 'in"side', '"x"y']
    ends = ["\n", "\r\n", "\r"]
    lines = []
    for _ in range(rng.integers(1, 8)):
        width = int(rng.integers(0, 6))
        lines.append(",".join(rng.choice(cells) for _ in range(width)))
    text = "a,b,c\n" + "".join(line + rng.choice(ends) for line in lines)
    return text + ('"open' if rng.random() < 0.1 else "")


def csv_verdict(text: str, columns: int) -> str:
    """The trusted oracle, Python's csv module: "ok", "wide" or "unclosed". csv keeps a quote
    open at the end of the file (pandas refuses it), so a last line END is added: it is a
    row of its own unless a quote is still open."""
    rows = list(csv.reader(io.StringIO(text + "\nEND\n", newline="")))
    if any(len(row) > columns for row in rows[:-1]):
        return "wide"
    return "ok" if rows[-1] == ["END"] else "unclosed"


def test_check_field_counts_agrees_with_the_csv_module(rng):
    """On 500 random small files, the regular-expression scan and csv.reader agree on whether
    a record is wider than the header or a quote never closes."""
    for _ in range(500):
        text = random_csv(rng)
        try:
            csv_text.check_field_counts(text.encode(), ",", 3)
            verdict = "ok"
        except DataError as error:
            verdict = "unclosed" if "never closed" in str(error) else "wide"
        assert verdict == csv_verdict(text, 3), repr(text)


@pytest.mark.parametrize(("raw", "label"), [
    (codecs.BOM_UTF32_LE + "x,y\n1,2\n3,4\n".encode("utf-32-le"), "UTF-32"),
    (codecs.BOM_UTF32_BE + "x,y\n1,2\n3,4\n".encode("utf-32-be"), "UTF-32"),
    ("x,y\n1,2\n3,4\n".encode("utf-32-le"), "UTF-32 (little-endian, no byte-order mark)"),
    ("x,y\n1,2\n3,4\n".encode("utf-32-be"), "UTF-32 (big-endian, no byte-order mark)"),
    ("x,y\n1,2\n3,4\n".encode("utf-16-le"), "UTF-16 (little-endian, no byte-order mark)"),
    ("x,y\n1,2\n3,4\n".encode("utf-16-be"), "UTF-16 (big-endian, no byte-order mark)"),
    ("Größe;y\n1,5;2\n3;4\n".encode("utf-16-le"), "UTF-16 (little-endian, no byte-order mark)"),
])
def test_utf32_and_bomless_utf16_files_are_read_and_named(raw, label):
    """UTF-32 (with or without BOM) and UTF-16 without BOM are decoded, the note names them."""
    table = load_csv(raw)
    assert table.shape == (2, 2)
    assert table.attrs["encoding"].startswith(label)
    assert any(label in note for note in table.attrs["notes"]), table.attrs["notes"]


def test_a_broken_bomless_utf16_file_is_named():
    """NUL bytes in UTF-16's places but an unpaired surrogate: the message names UTF-16."""
    raw = ("x,y\n" + "1,2\n" * 1000).encode("utf-16-le") + b"\x00\xd8" + "3,4\n".encode("utf-16-le")
    with pytest.raises(DataError, match=r"looks like UTF-16 \(little-endian, no byte-order mark\) "
                                        r"text, but it is not valid UTF-16\. Save it as UTF-8"):
        load_csv(raw)


def test_nul_bytes_without_a_pattern_are_binary_and_mention_utf16():
    """NUL bytes that are no UTF-16/32 pattern: binary data, and the hint to save as UTF-8."""
    with pytest.raises(DataError, match="NUL bytes: it is binary data.*UTF-16 or UTF-32.*UTF-8"):
        load_csv(b"x,y\n1,\x00\x00\x002\n3,4\n" * 3)


def test_a_quoted_line_break_in_a_header_name_has_its_own_message():
    """"first<line break>name" in the header: named as such, not as a long field."""
    with pytest.raises(DataError, match=r"Column 2 of the header, 'first\\nname', has a line "
                                        "break inside its quotes"):
        load_csv(b'y,"first\nname",z\n1,2,3\n4,5,6\n')
    with pytest.raises(DataError, match="Column 1 of the header opens a quote"):
        load_csv(b'"x,y\n1,2\n')


def test_quoted_fields_with_separators_and_line_breaks_still_load():
    """Legitimate quotes (a separator, a line break, a doubled quote inside) are read as before."""
    table = load_csv(b'x,note,y\n1,"a,b",2\n3,"two\nlines",4\n5,"say ""hi""",6\n')
    np.testing.assert_array_equal(table.to_numpy(), [[1, 2], [3, 4], [5, 6]])


def test_line_numbers_count_the_excel_separator_line():
    """With Excel's sep= line the message's line numbers are the file's own."""
    with pytest.raises(DataError, match="line 4 has 3 fields"):
        load_csv(b"sep=;\r\na;y\r\n1;2\r\n1;2;3\r\n")
