"""Signed lesson links (ui/shell/signing.py, ui/shell/teacher.py): the secret, the signature, and what a
student can and cannot do to a lesson by editing its address.

AppTest never writes widget values into the address, so an "edited address" here is a query
string set before the session's first run, as a student's browser would send it.
"""

import os
import stat
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_helpers import all_text, metric, metrics, open_page
from ui.shell import signing, teacher
from ui.shell.lessons import LESSONS

PAGES = tuple(lesson.url_path for lesson in LESSONS)


def query_of(address: str) -> dict[str, str | list[str]]:
    """The query of a built link, one string per parameter (a list for a repeated one)."""
    return {key: values[0] if len(values) == 1 else values
            for key, values in parse_qs(urlsplit(address).query, keep_blank_values=True).items()}


def lesson_caption(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


# -- the secret and the signature ------------------------------------------------------------


def test_the_secret_is_made_once_in_the_data_dir_with_mode_0600(tmp_path, monkeypatch):
    """No GRADLAB_SECRET: a random secret is written to $GRADLAB_DATA_DIR/secret (0600) and
    read back by the next process (here: with the cache emptied)."""
    monkeypatch.delenv(signing.SECRET_ENV, raising=False)
    monkeypatch.setenv(signing.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setattr(signing, "_CACHED", {})
    first = signing.secret()
    path = tmp_path / "data" / signing.SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 64
    monkeypatch.setattr(signing, "_CACHED", {})
    assert signing.secret() == first


def test_the_environment_secret_wins_and_changes_every_signature(tmp_path, monkeypatch):
    """Two servers with different secrets refuse each other's lessons."""
    monkeypatch.setenv(signing.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(signing.SECRET_ENV, "a" * 32)
    token = signing.sign({"p": "derivatives"})
    assert signing.verify(token) == {"p": "derivatives"}
    monkeypatch.setenv(signing.SECRET_ENV, "b" * 32)
    with pytest.raises(signing.SignatureError, match="changed after your teacher made it"):
        signing.verify(token)
    assert not (tmp_path / signing.SECRET_FILE).exists()


def test_an_unwritable_data_dir_gives_a_process_secret_and_a_log_line_without_it(
        tmp_path, monkeypatch, caplog):
    """A read-only data directory: links still work in this process; the log says why, never
    the secret."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.delenv(signing.SECRET_ENV, raising=False)
    monkeypatch.setenv(signing.DATA_DIR_ENV, str(blocker / "sub"))
    monkeypatch.setattr(signing, "_CACHED", {})
    value = signing.secret()
    assert signing.verify(signing.sign({"p": "x"})) == {"p": "x"}
    assert "GRADLAB_SECRET" in caplog.text and value.decode() not in caplog.text


@pytest.mark.parametrize("edit", ["flip", "truncate", "append", "empty", "dots", "unicode",
                                  "padding", "huge"])
def test_every_damaged_or_forged_token_is_refused_with_one_sentence(edit):
    """Each edit of a token is refused with the damaged or altered note, never an exception."""
    token = signing.sign({"p": "derivatives", "t": "Find the slope"})
    body, mac = token.split(".")
    edited = {
        "flip": body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + mac,
        "truncate": token[: len(token) // 2],
        "append": token + "x",
        "empty": "",
        "dots": token + ".x",
        "unicode": body + "é." + mac,
        "padding": body + "==." + mac,
        "huge": "A" * 10_000 + "." + mac,
    }[edit]
    with pytest.raises(signing.SignatureError) as refused:
        signing.verify(edited)
    assert str(refused.value) in (signing.DAMAGED, signing.ALTERED)
    assert str(refused.value).count(". ") == 0  # one sentence


def test_a_forged_payload_signed_with_another_key_is_refused():
    """A payload that unlocks x0, signed with a guessed key, does not verify."""
    import base64
    import hashlib
    import hmac
    import json
    body = base64.urlsafe_b64encode(json.dumps({"p": "derivatives"}).encode()).rstrip(b"=")
    mac = hmac.new(b"guess", b"gradlab-lesson-v1." + body, hashlib.sha256).digest()
    forged = body.decode() + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    settings = teacher.read_settings({"lesson": [forged]}, "derivatives")
    assert not settings.signed and settings.refused == signing.ALTERED


# -- a lesson on a page ----------------------------------------------------------------------


def lesson(**kwargs) -> dict:
    """A derivatives lesson: x³ − 2x typed, x₀ = 0.5 locked, h = 0.1 hidden, a task."""
    view = {"fn": "typed", "f": "x^3 - 2*x", "x0": "0.5", "h": "0.1"}
    defaults = {"task": "Find the slope at 0.5.", "hide": ["h"], "lock": ["x0", "fn", "f"]}
    return teacher.lesson_query("derivatives", view, **{**defaults, **kwargs})


def test_a_signed_lesson_opens_with_its_values_and_locks():
    at = open_page("derivatives", **lesson())
    assert "Find the slope at 0.5." in all_text(at)
    (x0,) = [s for s in at.slider if s.key == "x0"]
    assert x0.disabled and x0.value == 0.5
    assert not [s for s in at.select_slider if s.key == "h"]
    assert metric(at, "Tangent slope f′(x₀)") == "-1.25"  # 3·0.25 − 2
    assert metric(at, "Secant slope, h = 0.1") == "-1.09"  # the hidden h from the lesson


@pytest.mark.parametrize("edit", [
    {"x0": "2.95"}, {"h": "0.0001"}, {"fn": "square"}, {"f": "x"},
    {"lock": "", "hide": ""}, {"lock": "h", "hide": "fn"}, {"task": "Nothing to do"}])
def test_editing_the_address_changes_nothing_the_lesson_fixes(edit):
    """Deleting or adding lock/hide/task, editing a locked or hidden value: the same page."""
    query = lesson()
    plain = metrics(open_page("derivatives", **query))
    at = open_page("derivatives", **{**query, **edit})
    assert metrics(at) == plain
    assert [s.disabled for s in at.slider if s.key == "x0"] == [True]
    assert "Find the slope at 0.5." in all_text(at)


@pytest.mark.parametrize("damage", ["altered", "truncated", "doubled", "other-server"])
def test_an_altered_lesson_opens_the_page_without_it_and_says_why(damage, monkeypatch):
    query = lesson()
    token = query["lesson"]
    if damage == "altered":
        query["lesson"] = token.replace(token[5], "A" if token[5] != "A" else "B", 1)
    elif damage == "truncated":
        query["lesson"] = token[:40]
    elif damage == "doubled":
        query["lesson"] = [token, lesson(task="Another task")["lesson"]]
    else:
        monkeypatch.setenv(signing.SECRET_ENV, "another-server-secret-0123456789")
    at = open_page("derivatives", **query)
    assert not at.exception
    assert any("opens without" in w.value for w in at.warning)
    assert "Find the slope at 0.5." not in all_text(at)
    assert not any(s.disabled for s in at.slider)


def test_a_long_task_and_unknown_control_names_get_a_note_and_the_page_works():
    query = teacher.lesson_query("derivatives", {"x0": "2"}, task="word " * 2000,
                                 lock=["x0", "nosuch"], hide=["bad key!"])
    at = open_page("derivatives", **query)
    text = all_text(at)
    assert "Task from your teacher" in text and len(text) < 20_000
    assert "nosuch" in text and metric(at, "Tangent slope f′(x₀)") == "4"


def test_the_secret_never_appears_in_the_page():
    at = open_page("derivatives", **lesson())
    everything = all_text(at) + " ".join(c.value for c in at.code)
    assert signing.secret().decode() not in everything


def test_an_old_unsigned_link_still_opens_with_a_note_that_its_locks_are_advisory():
    at = open_page("derivatives", x0="2", lock="x0", hide="h", task="Old task")
    assert "Old task" in all_text(at) and teacher.UNSIGNED_NOTE in lesson_caption(at) \
        .replace("\\", "")
    assert [s.disabled for s in at.slider if s.key == "x0"] == [True]


def test_previous_and_next_carry_a_signed_lesson_and_the_other_page_links_back():
    query = lesson()
    at = open_page("derivatives", **query)
    links = {link.proto.label: link.proto for link in at.main.get("page_link")}
    following = next(proto for label, proto in links.items() if label.startswith("Next:"))
    assert parse_qs(following.query_string) == {"lesson": [query["lesson"]]}
    other = open_page("gradients", lesson=query["lesson"])
    assert "Find the slope at 0.5." not in all_text(other)
    back = [link.proto for link in other.main.get("page_link")
            if "Back to your teacher's lesson" in link.proto.label]
    assert [proto.page for proto in back] == ["derivatives"]


def test_replicas_starting_together_share_one_secret_file(tmp_path, monkeypatch):
    """Eight threads asking for the secret of an empty data dir at once get the same one."""
    import threading
    monkeypatch.delenv(signing.SECRET_ENV, raising=False)
    monkeypatch.setenv(signing.DATA_DIR_ENV, str(tmp_path))
    results = []

    def first_start():
        results.append(signing._file_secret(tmp_path))

    threads = [threading.Thread(target=first_start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 8
    assert [p.name for p in tmp_path.iterdir()] == [signing.SECRET_FILE]
