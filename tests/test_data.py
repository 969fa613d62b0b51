"""Tests of gradcore.data.generate and gradcore.data.csv_loader: uploads, synthetic data, bundled datasets."""

import io
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from gradcore import (
    DATASETS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FEATURES,
    MAX_UPLOAD_BYTES,
    DataError,
    bundled_datasets,
    data_warnings,
    load_bundled,
    load_csv,
    make_regression_data,
    select_xy,
    sklearn_reference,
)
from gradcore.data import csv_loader

ROOT = Path(__file__).resolve().parent.parent
NA = np.nan

# The corpus: (id, file bytes, expected numeric table as {column: values}, a substring every
# expected note must contain). Each file is built here so the bytes are visible in the test.
READABLE = [
    ("plain-comma", b"x,y\n1,2\n3,4\n", {"x": [1, 3], "y": [2, 4]}, []),
    ("utf8-bom", b"\xef\xbb\xbfx,y\n1,2\n3,4\n", {"x": [1, 3], "y": [2, 4]}, []),
    ("cp1252", "Größe;Preis €\n1;2\n3;4\n".encode("cp1252"), {"Größe": [1, 3], "Preis €": [2, 4]}, ["Windows-1252"]),
    ("latin1-fallback", b"a\x81,b\n1,2\n3,4\n", {"a\x81": [1, 3], "b": [2, 4]}, ["Latin-1"]),
    ("utf16-bom", "x,y\n1,2\n3,4\n".encode("utf-16"), {"x": [1, 3], "y": [2, 4]}, ["UTF-16"]),
    ("semicolon-decimal-comma", b"x;y\n3,14;2,5\n1,0;-0,5\n", {"x": [3.14, 1.0], "y": [2.5, -0.5]}, []),
    ("semicolon-decimal-point", b"x;y\n1.5;2\n2.5;3\n", {"x": [1.5, 2.5], "y": [2, 3]}, []),
    ("tab", b"x\ty\n1\t2\n3\t4\n", {"x": [1, 3], "y": [2, 4]}, []),
    ("pipe", b"x|y\n1|2\n3|4\n", {"x": [1, 3], "y": [2, 4]}, []),
    ("quoted-fields", b'"x","y"\n"1.5","2"\n"3","4"\n', {"x": [1.5, 3], "y": [2, 4]}, []),
    ("quoted-thousands-comma", b'x,y\n"1,234.5",2\n"12,000",3\n', {"x": [1234.5, 12000], "y": [2, 3]}, []),
    ("thousands-dot-decimal-comma", b"x;y\n1.234,5;1\n2,5;2\n", {"x": [1234.5, 2.5], "y": [1, 2]}, []),
    ("blank-trailing-lines", b"x,y\n1,2\n3,4\n\n\n  \n", {"x": [1, 3], "y": [2, 4]}, []),
    ("crlf", b"x,y\r\n1,2\r\n3,4\r\n", {"x": [1, 3], "y": [2, 4]}, []),
    ("missing-tokens", b"x,y\n1,2\nNA,3\n4,NaN\n5,\n?,6\n7,8\n",
     {"x": [1, NA, 4, 5, NA, 7], "y": [2, 3, NA, NA, 6, 8]},
     ["4 of 6 rows have a missing value", "'x' (2), 'y' (2)", "They are kept"]),
    ("short-row", b"x,y\n1,2\n3\n5,6\n", {"x": [1, 3, 5], "y": [2, NA, 6]}, ["1 of 3 rows", "'y' (1)"]),
    ("no-complete-row", b"x,y\nNA,1\n2,?\n", {"x": [NA, 2], "y": [1, NA]}, ["2 of 2 rows have a missing value"]),
    ("text-column", b"name,x,y\nann,1,2\nbob,3,4\n", {"x": [1, 3], "y": [2, 4]}, ["'name'", "'ann'"]),
    ("spaces", b" x , y \n 1 , 2 \n3,4\n", {"x": [1, 3], "y": [2, 4]}, []),
    ("exponents-signs", b"x,y\n1e3,-2.5E-2\n+4,.5\n", {"x": [1000, 4], "y": [-0.025, 0.5]}, []),
    ("index-column", b",x,y\n0,1,2\n1,3,4\n", {"column 1": [0, 1], "x": [1, 3], "y": [2, 4]}, []),
    ("trailing-delimiter", b"x,y,\n1,2,\n3,4,\n", {"x": [1, 3], "y": [2, 4]}, ["'column 3'", "no values"]),
    ("excel-sep-line-bom", b"\xef\xbb\xbfsep=;\na;y\n1,5;2\n3;4\n", {"a": [1.5, 3], "y": [2, 4]}, []),
    ("excel-sep-line-comma", b"sep=,\r\na,y\r\n1,2\r\n3,4\r\n", {"a": [1, 3], "y": [2, 4]}, []),
    ("excel-sep-line-cr", b"sep=|\ra|y\r1|2\r3|4\r", {"a": [1, 3], "y": [2, 4]}, []),
    ("names-like-numbers", b"1,2.5\n3,4\n5,6\n", {"1": [3, 5], "2.5": [4, 6]}, []),
    ("cr-only-lines", b"x,y\r1,2\r3,4\r", {"x": [1, 3], "y": [2, 4]}, []),
    ("missing-any-case", b"x,y\nnA,1\nNull,2\n3,n/a\n4,5\n", {"x": [NA, NA, 3, 4], "y": [1, 2, NA, 5]},
     ["3 of 4 rows"]),
    ("huge-but-finite", b"a,y\n1e200,1\n2e200,3\n3e200,2\n", {"a": [1e200, 2e200, 3e200], "y": [1, 3, 2]}, []),
    ("subnormal", b"a,y\n1e-320,1\n2e-320,3\n", {"a": [1e-320, 2e-320], "y": [1, 3]}, []),
    ("long-text-cell", b"a,b,y\n" + b"1" * 140_000 + b",1,2\n3,4,5\n",
     {"b": [1, 4], "y": [2, 5]}, ["'a': it is not numeric (e.g. '1111", "(140,000 characters)"]),
    ("one-row", b"a,y\n1,2\n", {"a": [1], "y": [2]}, []),
]

REJECTED = [
    ("empty", b"", "empty"),
    ("whitespace-only", b"\n \n\t\n", "empty"),
    ("header-only", b"x,y\n", "no data rows"),
    ("nul-bytes", b"x,y\n\x00\x01\x02\x03\n", "binary"),
    ("control-characters", bytes(range(1, 32)) * 50, "binary"),
    ("xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 20, "Excel"),
    ("single-column", b"x\n1\n2\n", r"1 numeric column\(s\) \('x'\)"),
    ("one-numeric-plus-text", b"name,x\na,1\nb,2\n", r"1 numeric column\(s\) \('x'\)"),
    ("duplicate-names", b"x,y,x\n1,2,3\n4,5,6\n", "more than once: 'x'"),
    ("overflow", b"x,y\n1e400,2\n1,2\n", "too large for 64-bit"),
    ("ragged", b"x,y\n1,2\n3,4,5\n", "line 3 has 3 fields but the header has 2"),
    ("every-row-one-field-more", b"x,y\n1,2,3\n4,5,6\n", "line 2 has 3 fields but the header has 2"),
    ("header-field-over-csv-limit", b"a" * 140_000 + b",y\n1,2\n", "longer than 131,072 characters"),
    ("long-line-without-separator", b"a;y\n" + b"x" * 140_000 + b"\n1;2\n", r"1 numeric column\(s\)"),
    ("long-column-name", b"a" * 300 + b",y\n1,2\n3,4\n", "column 1 has 300 characters; the limit is 200"),
    ("too-many-columns", (",".join(f"c{j}" for j in range(10_000)) + "\n").encode()
     + (",".join("1" for _ in range(10_000)) + "\n").encode(), "10,000 columns; the limit is 200"),
    ("only-sep-line", b"sep=;\n", "only a 'sep=' line"),
    ("unknown-sep-line", b"sep=#\na#y\n1#2\n", "separator '#'"),
    ("unclosed-quote", b'a,y\n"1,2\n3,4\n', "not a regular table"),
    ("zero-bytes", b"", "empty"),
    ("bom-only-header", b"\xef\xbb\xbfa,y\n", "no data rows"),
    ("infinity-text", b"a,y\ninf,1\n2,3\n", "infinite or too large"),
]

# Files that load but cannot be fitted: (id, file bytes, the DataError of the regression on
# the loaded table with its last column as the target, from select_xy or data_warnings).
UNFITTABLE = [
    ("huge-1e200", b"a,y\n1e200,1\n2e200,3\n3e200,2", "'a' has values as large as 3e\\+200"),
    ("huge-pm-1e154", b"a,y\n1e154,1\n-1e154,3\n1e154,2", "'a' has values as large as 1e\\+154"),
    ("huge-target", b"a,y\n1,1e200\n2,3e200\n3,2e200", "'y' has values as large as 3e\\+200"),
    ("subnormal-1e-320", b"a,y\n1e-320,1\n2e-320,3\n3e-320,2", "'a' has no value larger than 3e-320"),
    ("subnormal-target", b"a,y\n1,1e-320\n2,3e-320\n3,2e-320", "'y' has no value larger"),
    ("one-row", b"a,y\n1,2", r"1 row\(s\) of data; regression needs at least 2"),
    ("no-complete-row", b"a,y\n1,\n,2", "No row has a value in every chosen column"),
]


@pytest.mark.parametrize(("raw", "expected", "notes"), [c[1:] for c in READABLE], ids=[c[0] for c in READABLE])
def test_corpus_readable_files(raw, expected, notes):
    """Each awkward but valid file gives exactly the expected numeric table and notes."""
    table = load_csv(raw)
    assert list(table.columns) == list(expected)
    assert all(dtype == np.float64 for dtype in table.dtypes)
    for name, values in expected.items():
        assert_allclose(table[name].to_numpy(), values, rtol=1e-15)
    for fragment in notes:
        assert any(fragment in note for note in table.attrs["notes"]), table.attrs["notes"]
    if not notes:
        assert table.attrs["notes"] == []


@pytest.mark.parametrize(("raw", "message"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_corpus_rejected_files(raw, message):
    """Each unusable file raises DataError with the specific reason."""
    with pytest.raises(DataError, match=message):
        load_csv(raw)


def test_corpus_size():
    """The corpus has at least 25 files, as the issue asks."""
    assert len(READABLE) + len(REJECTED) >= 25


@pytest.mark.parametrize(("raw", "message"), [c[1:] for c in UNFITTABLE], ids=[c[0] for c in UNFITTABLE])
def test_corpus_files_that_load_but_cannot_be_fitted(raw, message):
    """Huge, subnormal or too few values load, then select_xy / data_warnings say why not."""
    table = load_csv(raw)
    target, features = table.columns[-1], list(table.columns[:-1])
    with pytest.raises(DataError, match=message):
        X, y, _ = select_xy(table, target, features)
        data_warnings(X, y, features, target)


@pytest.mark.parametrize("fmt", ["{!r}", "{:.17g}", "{:.3f}", "{:.6e}", "{:g}"])
def test_numbers_only_fast_path_reads_the_same_values_as_the_general_path(fmt):
    """The C float parser and the per-column text path give bit-identical float64 values."""
    rng = np.random.default_rng(3)
    values = rng.standard_normal(5000) * 10.0 ** rng.integers(-300, 300, 5000)
    text = "x,y\n" + "\n".join(fmt.format(float(v)) + ",1" for v in values) + "\n"
    data = text.encode()
    fast = csv_loader._parse_numeric(data, ",", ["x", "y"])
    slow, reason = csv_loader._to_numbers(csv_loader._parse(data, ",", ["x", "y"])["x"], False)
    assert fast is not None and reason is None
    np.testing.assert_array_equal(fast["x"].to_numpy(), slow)


@pytest.mark.parametrize("text", [
    'x,y\n"1",2\n', "x;y\n1,5;2\n", "x,y\n-nan,1\n2,3\n", "x,y\ninf,1\n2,3\n",
    "x,y\nabc,1\n2,3\n", "x,y\n1,2,3\n4,5,6\n",
])
def test_fast_path_declines_what_only_the_general_path_reads_right(text):
    """Quotes, decimal commas, signed NaN, infinities, text and extra fields go the long way."""
    delimiter = ";" if ";" in text else ","
    assert csv_loader._parse_numeric(text.encode(), delimiter, ["x", "y"]) is None


def test_cell_limit_is_enforced_before_parsing_everything(monkeypatch):
    """rows x columns above MAX_CELLS is refused, naming both the limit and the shape."""
    assert MAX_CELLS == 4_000_000 and MAX_COLUMNS == 200
    monkeypatch.setattr(csv_loader, "MAX_CELLS", 12)
    with pytest.raises(DataError, match=r"3 columns and more than 4 rows: more than the limit of 12"):
        load_csv(b"a,b,y\n" + b"1,2,3\n" * 5)
    assert len(load_csv(b"a,b,y\n" + b"1,2,3\n" * 4)) == 4


def test_column_limit_is_enforced_and_the_limit_itself_is_accepted():
    """MAX_COLUMNS columns load; one more is refused with the limit in the message."""
    def wide(columns: int) -> bytes:
        return (",".join(f"c{j}" for j in range(columns)) + "\n" + ",".join("1" for _ in range(columns))
                + "\n" + ",".join("2" for _ in range(columns)) + "\n").encode()

    assert load_csv(wide(MAX_COLUMNS)).shape == (2, MAX_COLUMNS)
    with pytest.raises(DataError, match=f"{MAX_COLUMNS + 1} columns; the limit is {MAX_COLUMNS}"):
        load_csv(wide(MAX_COLUMNS + 1))


def test_a_wide_upload_is_refused_before_it_is_parsed(monkeypatch):
    """The issue's 50 x 10,000 file (1 MB) is refused from its header: pandas never reads the
    table (a trap in place of read_csv), so the refusal costs nothing whatever the file."""
    raw = (",".join(f"c{j}" for j in range(10_000)) + "\n").encode()
    raw += b"\n".join(b",".join(b"0.5" for _ in range(10_000)) for _ in range(50))

    def trap(*args, **kwargs):
        raise AssertionError("the table was parsed")

    monkeypatch.setattr(pd, "read_csv", trap)
    with pytest.raises(DataError, match="the limit is 200"):
        load_csv(raw)


# What Streamlit adds to a file in its upload request (multipart boundary and part headers);
# measured about 200 bytes, allowed 10 times that.
MULTIPART_FRAMING_BYTES = 2048


def test_byte_limit_is_enforced_and_streamlit_lets_a_file_just_over_it_through():
    """Uploads over MAX_UPLOAD_BYTES are refused with the limit named, and Streamlit's own
    checks (the browser's: maxUploadSize x 10**6 bytes, x 2**20 on Windows; the server's:
    the request within maxUploadSize x 2**20 bytes) pass a file a little over it, so that the
    loader's message, not Streamlit's, is what the student sees."""
    with pytest.raises(DataError, match="limit of 20 MB"):
        load_csv(b"x" * (MAX_UPLOAD_BYTES + 1))
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    mb = config["server"]["maxUploadSize"]
    just_over = MAX_UPLOAD_BYTES + 1
    assert just_over <= min(mb * 10**6, mb * 2**20)
    assert just_over + MULTIPART_FRAMING_BYTES <= mb * 2**20
    assert mb * 2**20 <= MAX_UPLOAD_BYTES + 2 * 2**20, "the upload store holds up to this per tab"


def test_row_limit_is_enforced(monkeypatch):
    """More than MAX_ROWS data rows is refused with the limit in the message."""
    monkeypatch.setattr(csv_loader, "MAX_ROWS", 5)
    with pytest.raises(DataError, match="more than 5 rows"):
        load_csv(b"x,y\n" + b"1,2\n" * 6)
    assert len(load_csv(b"x,y\n" + b"1,2\n" * 5)) == 5


def test_sources_path_and_file_objects(tmp_path):
    """A path, a str path, a binary and a text file object all read the same table."""
    raw = b"x;y\n1,5;2\n2,5;3\n"
    path = tmp_path / "d.csv"
    path.write_bytes(raw)
    for source in (path, str(path), io.BytesIO(raw), io.StringIO(raw.decode())):
        assert_allclose(load_csv(source).to_numpy(), [[1.5, 2], [2.5, 3]], rtol=1e-15)
    with pytest.raises(DataError, match="Could not read"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="bytes, a path or a file object"):
        load_csv(12)


def test_make_regression_data_is_reproducible_and_documented():
    """Same arguments, same table; columns x1..xd and y; true coefficients in attrs."""
    first = make_regression_data(50, 3, noise=0.5, seed=11)
    again = make_regression_data(50, 3, noise=0.5, seed=11)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert list(first.columns) == ["x1", "x2", "x3", "y"]
    assert first.attrs["features"] == ["x1", "x2", "x3"] and first.attrs["target"] == "y"
    assert len(first.attrs["true_w"]) == 3
    assert not make_regression_data(50, 3, noise=0.5, seed=12).equals(first)
    one = make_regression_data(30, 1, seed=1)
    assert list(one.columns) == ["x1", "y"]


def test_make_regression_data_recovers_its_coefficients():
    """With small noise sklearn recovers true_w and true_b to 1e-3; no noise, exactly y = Xw + b."""
    table = make_regression_data(2000, 2, noise=0.01, seed=3, true_w=[1.5, -2.0], true_b=0.5)
    coef, intercept = sklearn_reference(table[["x1", "x2"]], table["y"])
    assert_allclose(coef, [1.5, -2.0], atol=1e-3)
    assert intercept == pytest.approx(0.5, abs=1e-3)
    exact = make_regression_data(10, 2, noise=0.0, seed=3, true_w=[1.5, -2.0], true_b=0.5)
    assert_allclose(exact["y"], exact[["x1", "x2"]].to_numpy() @ [1.5, -2.0] + 0.5, rtol=1e-15)
    assert_allclose(exact["x1"], table["x1"][:10], rtol=0)


def test_make_regression_data_a_million_rows_is_one_float64_block_per_column():
    """n = 1,000,000, d = 10 gives 11 float64 columns of a million values each (its time is
    printed by benchmarks/bench_uploads.py, not asserted here)."""
    table = make_regression_data(1_000_000, 10, noise=1.0, seed=0)
    assert table.shape == (1_000_000, 11)
    assert all(dtype == np.float64 for dtype in table.dtypes)
    assert table.memory_usage(index=False).sum() == 11 * 8 * 1_000_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, "rows"),
        ({"n": 10.5}, "rows"),
        ({"d": 0}, "features"),
        ({"noise": -1.0}, "noise"),
        ({"noise": float("nan")}, "finite"),
        ({"seed": -3}, "seed"),
        ({"true_w": [1.0, 2.0]}, "true_w needs 1"),
    ],
)
def test_make_regression_data_rejects_bad_settings(kwargs, message):
    """Bad generator settings raise DataError naming the setting."""
    with pytest.raises(DataError, match=message):
        make_regression_data(**({"n": 10, "d": 1} | kwargs))


def test_bundled_datasets_exist_and_name_their_columns():
    """Every DATASETS entry loads, has its target and features, and a non-empty description."""
    paths = bundled_datasets()
    assert set(paths) == set(DATASETS) == {"tips", "diabetes", "synthetic"}
    for name, entry in DATASETS.items():
        assert paths[name].is_file()
        table = load_bundled(name)
        assert {entry.target, *entry.features} <= set(table.columns)
        assert entry.description
    tips = load_bundled("tips")
    assert tips.shape == (244, 3)
    assert sum("Left out column" in note for note in tips.attrs["notes"]) == 4
    assert load_bundled("diabetes").shape == (442, 11)
    with pytest.raises(DataError, match="choose one of: tips, diabetes, synthetic"):
        load_bundled("iris")


def test_select_xy_refuses_more_than_max_features_before_reading_columns():
    """MAX_FEATURES features are fine; one more is a DataError naming the limit."""
    frame = pd.DataFrame(np.arange(3.0 * (MAX_FEATURES + 2)).reshape(3, -1) ** 1.5)
    frame.columns = [f"c{j}" for j in range(MAX_FEATURES + 2)]
    names = list(frame.columns)
    X, _, _ = select_xy(frame, names[-1], names[:MAX_FEATURES])
    assert X.shape == (3, MAX_FEATURES)
    with pytest.raises(DataError, match=f"At most {MAX_FEATURES} features"):
        select_xy(frame, names[-1], names[: MAX_FEATURES + 1])


def test_synthetic_csv_is_reproduced_by_its_recorded_call():
    """data/synthetic.csv equals the make_regression_data call recorded in data/README.md."""
    call = "make_regression_data(200, 1, noise=1.0, seed=7, true_w=[2.5], true_b=-1.0)"
    assert call in (ROOT / "data" / "README.md").read_text()
    expected = make_regression_data(200, 1, noise=1.0, seed=7, true_w=[2.5], true_b=-1.0)
    assert_allclose(load_bundled("synthetic").to_numpy(), expected.to_numpy(), rtol=0)


def gapminder_like_table() -> pd.DataFrame:
    """1,694 rows like gapminder: 12 missing gdpPercap, 12 other rows missing lifeExp, 10 more
    rows missing pop; year is complete."""
    rng = np.random.default_rng(5)
    n = 1694
    table = pd.DataFrame({
        "year": np.tile(np.arange(1952.0, 2008.0, 5.0), n // 12 + 1)[:n],
        "pop": np.round(10 ** rng.uniform(5, 9, n)),
        "gdpPercap": 10 ** rng.uniform(2.5, 4.5, n),
        "lifeExp": rng.uniform(30, 80, n),
    })
    rows = rng.permutation(n)
    table.loc[rows[:12], "gdpPercap"] = np.nan
    table.loc[rows[12:24], "lifeExp"] = np.nan
    table.loc[rows[24:34], "pop"] = np.nan
    return table


def test_select_xy_drops_rows_only_for_the_chosen_columns():
    """lifeExp ~ year + gdpPercap keeps 1,670 of 1,694 rows: pop's missing values do not count."""
    table = gapminder_like_table()
    X, y, notes = select_xy(table, "lifeExp", ("year", "gdpPercap"))
    complete = table[["year", "gdpPercap", "lifeExp"]].dropna()
    assert X.shape == (1670, 2) and y.shape == (1670,)
    assert_allclose(X, complete[["year", "gdpPercap"]].to_numpy(), rtol=0)
    assert_allclose(y, complete["lifeExp"].to_numpy(), rtol=0)
    assert notes == ["Left out 24 of 1,694 rows with a missing value in 'gdpPercap' (12) or 'lifeExp' (12)."]


def test_select_xy_names_a_single_column_without_counts():
    """One column with missing values is named alone; complete columns give no note at all."""
    table = gapminder_like_table()
    assert select_xy(table, "lifeExp", ["year"])[2] == [
        "Left out 12 of 1,694 rows with a missing value in 'lifeExp'."
    ]
    assert select_xy(table, "year", ["gdpPercap"])[2] == [
        "Left out 12 of 1,694 rows with a missing value in 'gdpPercap'."
    ]
    complete = table.dropna()
    X, y, notes = select_xy(complete, "lifeExp", ["year", "pop"])
    assert notes == [] and len(y) == len(complete)


def test_select_xy_counts_overlapping_missing_values_per_column():
    """A row missing two chosen values is left out once but counted under both columns."""
    table = pd.DataFrame({"a": [1, NA, 3, 4, 5], "b": [1, NA, NA, 4, 5], "y": [1, 2, 3, 4, 5.0]})
    X, y, notes = select_xy(table, "y", ["a", "b"])
    assert_allclose(y, [1, 4, 5], rtol=0)
    assert notes == ["Left out 2 of 5 rows with a missing value in 'a' (1) or 'b' (2)."]


def test_select_xy_does_not_modify_the_table():
    """The table keeps its rows and NaNs after select_xy."""
    table = gapminder_like_table()
    before = table.copy()
    select_xy(table, "lifeExp", ["year", "gdpPercap"])
    pd.testing.assert_frame_equal(table, before)


def test_select_xy_reads_a_generated_table_in_place():
    """A generated table's features are the rows of one (d, N) array: X is a read-only view
    of it (no 8 N d-byte copy), with the same values as the columns, and y is the table's."""
    table = make_regression_data(1_000, d=4, seed=5)
    features = table.attrs["features"]
    X, y, notes = select_xy(table, "y", features)
    assert X.shape == (1_000, 4) and notes == []
    assert_array_equal(X, table[features].to_numpy())
    assert_array_equal(y, table["y"].to_numpy())
    for j, name in enumerate(features):
        assert np.shares_memory(X[:, j], table[name].to_numpy())
    assert np.shares_memory(y, table["y"].to_numpy())
    assert not X.flags.writeable and not y.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        X[0, 0] = 1.0


@pytest.mark.parametrize("features", [["x3", "x1"], ["x1", "x3"], ["x2"]])
def test_select_xy_copies_columns_out_of_order_or_spaced_unevenly(features):
    """Features not in their table order, or skipping one, are not one evenly spaced block
    (a view of two of them would hold all d columns): X is a copy, with the right values."""
    table = make_regression_data(500, d=3, seed=2)
    X, y, _ = select_xy(table, "y", features)
    assert_array_equal(X, table[features].to_numpy())
    assert not np.shares_memory(X, table[features[0]].to_numpy())
    assert_array_equal(y, table["y"].to_numpy())


def test_select_xy_does_not_keep_a_wider_table_alive():
    """A read CSV holds its float columns in one block; two of its six columns are copied,
    not viewed (a view would keep all six alive after the table is dropped)."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.normal(size=(300, 6)), columns=[*"abcde", "y"])
    X, y, _ = select_xy(table, "y", ["a", "b"])
    assert not np.shares_memory(X, table.to_numpy()) and not np.shares_memory(y, table.to_numpy())
    assert_array_equal(X, table[["a", "b"]].to_numpy())
    assert_array_equal(y, table["y"].to_numpy())
    # A table of only the chosen columns is read in place, X and y alike.
    chosen = load_csv(table[[*"abe", "y"]].to_csv(index=False).encode())
    X, y, _ = select_xy(chosen, "y", [*"abe"])
    assert np.shares_memory(X, chosen["a"].to_numpy())
    assert np.shares_memory(y, chosen["y"].to_numpy())
    assert_allclose(X, table[[*"abe"]].to_numpy(), rtol=1e-15)


@pytest.mark.parametrize(
    ("target", "features", "message"),
    [
        ("y", ["a", "b"], r"No row has a value in every chosen column \(3 rows, with missing "
                          r"values in 'a' \(2\) or 'b' \(1\)\); regression needs at least 2"),
        ("y", ["a"], r"Only 1 row has a value in every chosen column"),
        ("y", [], "no feature column"),
        ("y", ["a", "a"], "chosen twice: a"),
        ("y", ["y"], "'y' is the target"),
        ("y", ["zz"], "There is no column 'zz'"),
        ("y", ["name"], "Column 'name' is not numeric"),
        ("y", ["big"], "Column 'big' has infinite values"),
    ],
)
def test_select_xy_rejects_unusable_choices(target, features, message):
    """Too few complete rows, no or repeated features, unknown, text or infinite columns: DataError."""
    table = pd.DataFrame({"a": [1, NA, NA], "b": [NA, 2, 3], "y": [1, 2, 3.0],
                          "name": ["p", "q", "r"], "big": [1, np.inf, 2]})
    with pytest.raises(DataError, match=message):
        select_xy(table, target, features)


def test_load_csv_keeps_missing_values_for_select_xy():
    """An upload with a gap in an unused column keeps that row for a regression without it."""
    raw = b"year,pop,lifeExp\n1952,8425333,28.8\n1957,,30.3\n1962,10267083,32.0\n"
    table = load_csv(raw)
    assert len(table) == 3 and table["pop"].isna().sum() == 1
    assert table.attrs["notes"][0].startswith("1 of 3 rows have a missing value")
    X, y, notes = select_xy(table, "lifeExp", ["year"])
    assert len(y) == 3 and notes == []
    assert select_xy(table, "lifeExp", ["year", "pop"])[2] == [
        "Left out 1 of 3 rows with a missing value in 'pop'."
    ]


@pytest.mark.parametrize("name", ["tips", "diabetes", "synthetic"])
def test_bundled_datasets_have_no_missing_values(name):
    """None of the bundled datasets has a missing value, so none of their rows is ever left out."""
    table = load_bundled(name)
    assert not table.isna().to_numpy().any()
    assert not any("missing value" in note for note in table.attrs["notes"])
    entry = DATASETS[name]
    assert select_xy(table, entry.target, entry.features)[2] == []
