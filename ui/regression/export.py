"""The regression run's downloads: the trajectory as CSV and the run as a Python script
(``gradcore.export_script``). Each download is made on the click from a RunRef (a few values),
so a session keeps no arrays for it."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from gradcore import DataError, export_script
from gradcore.data.generate import DATA_DIR, DATASETS
from ui.regression.build import Problem, Run
from ui.regression.cache import RunRef, load, resolve
from ui.regression.data import text_encoded
from ui.regression.generalisation import NO_SHAPING


def trajectory_frame(run: Run, features: tuple[str, ...]) -> pd.DataFrame:
    """One row per iterate: step, w_<feature>..., b, loss, grad_w_<feature>..., grad_b in the
    units GD runs in (standardised when standardisation is on), then w_<feature>_original...,
    b_original: the same iterates in original units."""
    t = run.trajectory
    columns = {"step": np.arange(len(t.b))}
    columns |= {f"w_{name}": t.w[:, j] for j, name in enumerate(features)}
    columns |= {"b": t.b, "loss": t.loss}
    columns |= {f"grad_w_{name}": t.grad_w[:, j] for j, name in enumerate(features)}
    columns["grad_b"] = t.grad_b
    columns |= {f"w_{name}_original": run.coef[:, j] for j, name in enumerate(features)}
    columns["b_original"] = run.intercept
    return pd.DataFrame(columns)


def trajectory_csv(run: Run, features: tuple[str, ...]) -> bytes:
    """The trajectory table as UTF-8 CSV bytes (full float precision)."""
    buffer = io.BytesIO()  # not StringIO, which holds 4 bytes per character
    trajectory_frame(run, features).to_csv(buffer, index=False, float_format="%.17g")
    return buffer.getvalue()


def trajectory_download(problem: Problem, run: Run) -> Callable[[], bytes]:
    """The download button's ``data`` callable, holding a RunRef (a few values), not the arrays:
    Streamlit keeps it with the session. On a click it makes ``trajectory_csv`` from the cached
    run (computed again if the cache dropped it; a dropped upload gives a one-line note)."""
    return functools.partial(_download_csv, RunRef.of(problem, run))


def _download_csv(ref: RunRef) -> bytes:
    found = resolve(ref)
    if found is None:
        return (b"note\nThe uploaded table was dropped from the server's memory: open the page, "
                b"upload the file again and download once more.\n")
    return trajectory_csv(found[1], found[0].features)


def script_name(source: tuple) -> str:
    """gradient_descent_<dataset>.py: the bundled dataset's name, "generated" or "upload"."""
    kind = source[0] if source else "data"
    stem = str(source[1]) if kind == "bundled" and len(source) > 1 else kind
    stem = "".join(c if c.isalnum() else "_" for c in stem.lower()).strip("_")
    return f"gradient_descent_{stem[:40] or 'data'}.py"


def run_script(problem: Problem, run: Run) -> str:
    """``export_script`` of this run (its settings, and the trajectory's tolerance)."""
    if problem.key.shaping != NO_SHAPING:
        raise DataError("the script does not make polynomial columns or a train/test split; "
                        "set the degree to 1 and the fraction held out to 0 to export the run.")
    return export_script(problem.target, list(problem.features),
                         standardize=problem.scaler is not None,
                         encode_text=text_encoded(problem.source),
                         data=(len(problem.y), float(problem.y.mean())),
                         tol=run.trajectory.tol, **run.settings.fit_kwargs())


def script_download(problem: Problem, run: Run, source: tuple) -> None:
    """The "Python script" download button (numpy + pandas; prints w, b as JSON). Its data is
    made on the click from a RunRef (a few values), as the trajectory CSV's."""
    st.download_button("Download the run as a Python script",
                       data=functools.partial(_script_text, RunRef.of(problem, run)),
                       file_name=script_name(source), mime="text/x-python",
                       on_click="ignore", key="download_script",
                       help="numpy + pandas only: python script.py data.csv (the table's "
                            "CSV) repeats the run and prints w and b as JSON on its last line.")


def _script_text(ref: RunRef) -> str:
    found = resolve(ref)
    if found is None:
        return ("# The uploaded table was dropped from the server's memory: open the page, "
                "upload the file again and download once more.\n")
    try:
        return run_script(*found)
    except DataError as error:
        return f"# No script for this run: {str(error).splitlines()[0]}\n"


# The largest data download: the upload limit, so the file can also go back into the page.
MAX_DATA_BYTES = 20 * 2**20
# Bytes per value of a generated table written with %.17g: at most 24 characters and a comma.
CSV_BYTES_PER_VALUE = 25


UPLOAD_HELP = ("The table as the page read it (its numeric columns, and its text columns as "
               "0/1 columns when encoded), comma-separated with '.' as decimal point and every "
               "number to full precision: the file the Python script reads, whatever separator "
               "or decimal mark your file had. python script.py <this file>.")


def data_file_name(source: tuple) -> str:
    """tips.csv, diabetes.csv, … for a bundled table; generated.csv for a generated one;
    uploaded_table.csv for an upload (the table as the page read it)."""
    if source[0] == "bundled":
        return DATASETS[source[1]].file
    return "generated.csv" if source[0] == "generated" else "uploaded_table.csv"


def data_download(source: tuple, rows: int, columns: int) -> None:
    """A "Download the data (CSV)" button, the file the exported script reads: a bundled
    table's own file; a generated table, or an uploaded one as the page read it (a
    semicolon-separated, decimal-comma file becomes comma-separated with '.' decimals), written
    with %.17g. Made on the click from `source` (a few values); a table over MAX_DATA_BYTES as
    CSV gets a note instead."""
    kind = source[0] if source else ""
    if kind == "bundled":
        size = (DATA_DIR / data_file_name(source)).stat().st_size
    elif kind in ("generated", "upload"):
        size = rows * columns * CSV_BYTES_PER_VALUE
    else:
        return
    if size > MAX_DATA_BYTES:
        fewer = "generate fewer rows" if kind == "generated" else "use a smaller file"
        st.caption(f"This table is too large to download here (about {size / 2**20:,.0f} MB as "
                   f"CSV; the limit is 20 MB): {fewer} to run the script on it.")
        return
    st.download_button("Download the data (CSV)", data=functools.partial(_data_csv, source),
                       file_name=data_file_name(source), mime="text/csv", on_click="ignore",
                       key="download_data",
                       help=UPLOAD_HELP if kind == "upload" else
                       "The table this run used, for the Python script: python script.py "
                       "<this file>.")


def _data_csv(source: tuple) -> bytes:
    if source[0] == "bundled":
        return (DATA_DIR / data_file_name(source)).read_bytes()
    data = load(source)
    if data is None:
        return (b"note\nThe uploaded table was dropped from the server's memory: open the page, "
                b"upload the file again and download once more.\n")
    buffer = io.BytesIO()
    data.frame.to_csv(buffer, index=False, float_format="%.17g")
    return buffer.getvalue()
