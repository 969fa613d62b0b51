"""An uploaded table can be downloaded as the page read it, and the exported script repeats
the run on that file (issue 26 item 5)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from gradcore import Standardizer, fit, load_csv
from tests.page_helpers import deferred_downloads, open_page

PAGE = "pages/linear-regression.py"
SCRIPT_RTOL = 1e-9  # the script runs the same float operations in the same order
# Semicolon-separated with decimal commas, a text column and a missing value: pandas'
# defaults cannot read it, the page can.
EUROPEAN_CSV = ("a;b;colour;y\n" + "\n".join(
    f"{i},5;{(i * 7) % 11},25;{('rot', 'blau', 'grün')[i % 3]};"
    + f"{2 * i + (i * 7) % 11 * 0.5 + i % 3 * 0.3:.2f}".replace(".", ",")
    for i in range(1, 30)) + "\n4,5;;rot;9,5\n").encode("utf-8")
RUN = {"src": "upload", "lr": "0.1", "steps": "150"}


def _downloads(monkeypatch, tmp_path, **params):
    """Upload EUROPEAN_CSV with these settings; the data and script downloads written to
    tmp_path as data.csv and run.py, with the page's session."""
    offered = deferred_downloads(monkeypatch)
    at = open_page(PAGE, **RUN, **params)
    at.file_uploader(key="reg_upload").set_value(("european.csv", EUROPEAN_CSV, "text/csv"))
    at.run()
    assert not at.exception and not at.error
    labels = [button.label for button in at.get("download_button")]
    assert "Download the data (CSV)" in labels, labels
    table = next(data() for data, names in offered if "uploaded_table.csv" in names)
    script = next(data() for data, names in offered if "gradient_descent_upload.py" in names)
    (tmp_path / "data.csv").write_bytes(table)
    (tmp_path / "run.py").write_text(script, encoding="utf-8")
    return at


def _script(tmp_path, csv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", csv], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)


def test_an_upload_downloads_as_the_page_read_it(monkeypatch, tmp_path):
    """The download is comma-separated with '.' decimals and holds exactly the numbers the
    page read from the semicolon/decimal-comma file (%.17g round-trips), NaN kept empty."""
    _downloads(monkeypatch, tmp_path)
    text = (tmp_path / "data.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "a,b,y" and ";" not in text
    downloaded = pd.read_csv(tmp_path / "data.csv")
    page_read = load_csv(EUROPEAN_CSV)
    pd.testing.assert_frame_equal(downloaded, page_read, check_exact=True)


def test_the_script_repeats_the_run_on_the_downloaded_upload(monkeypatch, tmp_path):
    """The exported script on the downloaded table prints the (w, b) gradcore computes, with no
    data warning; on the original semicolon file it says to use the page's download."""
    _downloads(monkeypatch, tmp_path)
    result = _script(tmp_path, "data.csv")
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    frame = load_csv(EUROPEAN_CSV)[["a", "b", "y"]].dropna()
    X, y = frame[["a", "b"]].to_numpy(), frame["y"].to_numpy()
    scaler = Standardizer.fit(X)
    w, b = scaler.to_original(*fit(scaler.transform(X), y, learning_rate=0.1, steps=150).final)
    np.testing.assert_allclose(np.append(printed["w"], printed["b"]), np.append(w, b),
                               rtol=SCRIPT_RTOL, atol=SCRIPT_RTOL)

    (tmp_path / "european.csv").write_bytes(EUROPEAN_CSV)
    refused = _script(tmp_path, "european.csv")
    assert refused.returncode != 0
    assert "'Download the data (CSV)'" in refused.stderr, refused.stderr


def test_an_encoded_upload_downloads_its_zero_one_columns(monkeypatch, tmp_path):
    """With text columns encoded the download carries the 0/1 columns (colour_grün,
    colour_rot: 'blau' is the reference) and the script repeats the run on it."""
    _downloads(monkeypatch, tmp_path, onehot="true", target="y",
               feats=["a", "b", "colour_grün", "colour_rot"])
    downloaded = pd.read_csv(tmp_path / "data.csv")
    assert list(downloaded.columns) == ["a", "b", "y", "colour_grün", "colour_rot"]
    result = _script(tmp_path, "data.csv")
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
