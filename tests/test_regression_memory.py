"""The regression page with hostile uploads and with its arrays dropped from the cache: every
bad file is a message, never an exception, and a session finds (or rebuilds) its data from the
small references it keeps."""

import pytest

from gradcore import RunSettings
from tests.page_helpers import metric, metrics, open_page, shown
from tests.test_data import REJECTED, UNFITTABLE
from ui.regression import byte_store, data_source
from ui.regression import cache as cache
from ui.regression import export as export
from ui.regression import view as view

PAGE = "pages/linear-regression.py"
GOOD_CSV = b"x,y\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n5,11.1\n"


@pytest.fixture(autouse=True)
def empty_store():
    """Each test starts and ends with an empty STORE."""
    byte_store.STORE.discard(lambda key: True)
    yield
    byte_store.STORE.discard(lambda key: True)


HOSTILE = [case for case in UNFITTABLE + REJECTED if case[0] in {
    "huge-1e200", "huge-pm-1e154", "subnormal-1e-320", "one-row", "header-field-over-csv-limit",
    "too-many-columns", "every-row-one-field-more", "zero-bytes", "only-sep-line"}]


@pytest.mark.parametrize(("raw", "message"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_uploads_show_a_message_not_an_exception(raw, message):
    """Each file from the issue's crash list gives an st.error on the page, no exception."""
    at = open_page(PAGE, timeout=120, src="upload")
    at.file_uploader(key="reg_upload").set_value(("bad.csv", raw, "text/csv")).run()
    assert not at.exception, at.exception
    assert at.error, "expected a message for the user"


def test_upload_dropped_from_the_cache_is_read_again_on_the_next_step():
    """After STORE loses the upload, a click on forward re-reads the uploader's file."""
    at = open_page(PAGE, timeout=120, src="upload")
    at.file_uploader(key="reg_upload").set_value(("good.csv", GOOD_CSV, "text/csv")).run()
    assert isinstance(at.session_state["reg_upload_data"], cache.UploadRef)
    byte_store.STORE.discard(lambda key: True)
    at.button(key="k_forward").click().run()
    assert not at.exception and not at.error and not at.warning
    assert metric(at, "step k").startswith("1 of ")
    byte_store.STORE.discard(lambda key: True)
    at.run()  # a whole-page rerun parses it again too
    assert not at.exception and "uploaded file 'good.csv'" in shown(" ".join(c.value for c in at.caption))


def test_generated_data_dropped_from_the_cache_is_rebuilt_on_the_next_step():
    """After STORE loses a generated table, a step regenerates it and shows the same numbers."""
    at = open_page(PAGE, timeout=120, src="generate", n="500", d="3", seed="4")
    at.button(key="k_forward").click().run()
    before = metrics(at)
    byte_store.STORE.discard(lambda key: True)
    at.button(key="k_forward").click().run()
    at.button(key="k_back").click().run()
    assert not at.exception and metrics(at) == before


def test_the_fragment_and_the_download_keep_only_a_run_ref(monkeypatch):
    """stepper() hands its fragment a RunRef; the download callable holds one too."""
    data = cache.bundled_data("tips")
    problem = cache.prepare(data, "tip", ("total_bill",), True)
    run = cache.descend(problem, RunSettings(learning_rate=0.1, steps=50, w0=0.0, b0=0.0))
    seen = []
    monkeypatch.setattr(view, "_stepper", lambda *args: seen.append(args))
    view.stepper(problem, run, "link", None)
    assert seen == [(cache.RunRef.of(problem, run), "link", None)]
    download = export.trajectory_download(problem, run)
    assert download.args == (cache.RunRef.of(problem, run),) and byte_store.nbytes(download.args) == 0
    assert download() == export.trajectory_csv(run, problem.features)


def test_download_of_a_dropped_upload_says_what_to_do():
    """The download callable runs without a session: a dropped upload gives a one-line note."""
    data = cache.uploaded_data(GOOD_CSV, "good.csv")
    problem = cache.prepare(data, "y", ("x",), True)
    download = export.trajectory_download(problem, cache.descend(problem, RunSettings(learning_rate=0.1, steps=10, w0=0.0, b0=0.0)))
    byte_store.STORE.discard(lambda key: True)
    assert download().startswith(b"note\nThe uploaded table was dropped")


def test_accept_upload_reparses_only_a_dropped_good_file():
    """The same file id is not parsed again, unless STORE dropped its table; a bad file keeps
    its message and the previous reference."""
    store = {}
    assert data_source.accept_upload(store, "id1", "good.csv", GOOD_CSV) is None
    ref = store["reg_upload_data"]
    assert ref.file_id == "id1" and ref.loaded() is not None
    assert data_source.accept_upload(store, "id1", "good.csv", b"") is None  # not re-read
    byte_store.STORE.discard(lambda key: True)
    assert data_source.accept_upload(store, "id1", "good.csv", GOOD_CSV) is None
    assert store["reg_upload_data"].loaded() is not None
    message = data_source.accept_upload(store, "id2", "bad.csv", b"a\n1\n")
    assert "numeric column" in message and store["reg_upload_data"] == ref
