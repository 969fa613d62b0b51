"""A browserless Streamlit client: one tab's session over the app's own websocket protocol.

Used by ``bench_memory.py`` and the Locust user (``locustfile.py``). A :class:`Session` does
what a browser tab does, without drawing anything:

- one HTTP request first (``/_stcore/health``): it hands out the XSRF cookie that uploads need
  and, behind ``deploy/nginx.conf``, the replica-affinity cookie; both go with the websocket
  and every upload, so a session stays on one replica;
- ``/_stcore/stream``: ``BackMsg.rerun_script`` with the page name, the address's query string
  and the widget states; then ``ForwardMsg`` deltas until ``script_finished``;
- the query string the app writes (``page_info_changed``) is sent with the next rerun, the way
  the address bar carries it;
- the browser's message cache: a large element (``metadata.cacheable``, 10 kB and more, mostly
  the plotly figures) is kept by its hash, the hashes go with every rerun
  (``cached_message_hashes``) and the server sends an unchanged one as a ``ref_hash`` that the
  client resolves from its cache; an entry not used for ``maxCachedMessageAge`` finished runs
  (2) is dropped, as in the frontend's ``ForwardMessageCache``, so the server does the same
  work and sends the same bytes as it does for a browser;
- widgets are found by their ``key`` (Streamlit ends a keyed widget's id with ``-<key>``); a
  value once set is sent with every later rerun of the page (the browser sends the whole
  widget state); a button is a one-off trigger; a widget inside an ``st.fragment`` reruns only
  that fragment (``fragment_id``), as the browser does;
- uploads: ``file_urls_request`` over the websocket, ``PUT`` of the bytes, then a rerun with the
  uploader's file info.

Each run returns a :class:`PageRun`: the metrics, alerts, captions and exceptions it drew, the
widgets it created, bytes received and seconds from the BackMsg to ``script_finished``.

Also here: the teacher's links and the small CSV a simulated student uses, and the /proc
readings the benchmarks print (resident memory, CPU seconds of a process tree).
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from urllib3.util.retry import Retry
from websockets.sync.client import connect

XSRF_COOKIE = "_streamlit_xsrf"
DEFAULT_TIMEOUT_S = 120.0
_ID_PREFIX = "$$ID-"
# Elements that carry a widget id (and so can be found by key).
_WIDGET_KINDS = {
    "button", "checkbox", "slider", "number_input", "selectbox", "multiselect", "radio",
    "text_input", "file_uploader", "download_button", "button_group", "text_area",
    "date_input", "time_input", "color_picker",
}
_FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
             ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class RunTimeout(TimeoutError):
    """The script did not finish within the session's timeout."""


class ProtocolError(RuntimeError):
    """The server sent something a browser could not have used."""


@dataclass
class _Cached:
    """A cached element message and the run count when it was last used."""

    message: ForwardMsg
    run: int
    fragment_id: str


@dataclass(frozen=True)
class Widget:
    """A widget the page drew: its id, element kind, its fragment ("" = the whole page) and
    the element's proto (for min/max/options)."""

    id: str
    kind: str
    fragment_id: str
    proto: object


@dataclass
class PageRun:
    """What one script run of a session drew."""

    session_id: str = ""
    uploader_id: str = ""
    status: int = -1
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    successes: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    widgets: dict[str, Widget] = field(default_factory=dict)
    fragments: set[str] = field(default_factory=set)  # ids of the fragments it drew into
    auto_reruns: dict[str, float] = field(default_factory=dict)  # fragment id -> every s
    elements: int = 0
    received_bytes: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """The first exception, else the first error, else the "Using ..." caption."""
        if self.exceptions:
            return "EXCEPTION: " + self.exceptions[0][:160]
        if self.errors:
            return "error: " + self.errors[0][:160]
        using = [c for c in self.captions if c.startswith("Using")]
        return (using or ["(no data caption)"])[0][:160]

    def problems(self) -> list[str]:
        """What a student would see as broken: an exception box or an error alert."""
        return ([f"exception: {e[:200]}" for e in self.exceptions]
                + [f"error alert: {e[:200]}" for e in self.errors])


def _gevent_patched() -> bool:
    """True inside Locust, which patches the standard library with gevent."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("selectors")


def widget_key(widget_id: str) -> str | None:
    """The user key of a keyed widget id (``$$ID-<hash>-<key>``), else None."""
    if not widget_id.startswith(_ID_PREFIX):
        return None
    parts = widget_id[len(_ID_PREFIX):].split("-", 1)
    return parts[1] if len(parts) == 2 and parts[1] else None


def http_session() -> requests.Session:
    """An HTTP session that sends a request once more on a new connection when the server
    closed the reused one without an answer.

    Uvicorn (Streamlit's server) closes a keep-alive connection after 5 s idle, and a student's
    think time is 2-4 s: a request sent on a connection the server is closing meets
    "RemoteDisconnected" (2 of 2,492 actions in a one-process heavy run; never behind nginx,
    which keeps idle connections 75 s). A browser sends it again, so this client does too (an
    upload's PUT to its file URL included: sent twice, it stores the same file)."""
    http = requests.Session()
    again = HTTPAdapter(max_retries=Retry(total=1, connect=1, read=1, status=0, other=0,
                                          allowed_methods=None, raise_on_status=False))
    http.mount("http://", again)
    http.mount("https://", again)
    return http


class Session:
    """One browser tab's session with the app at `base_url` (``http://host:port``)."""

    def __init__(self, base_url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.http = http_session()
        # The XSRF cookie (uploads) and, behind the proxy, the affinity cookie come from here.
        self.http.get(self.base_url + "/_stcore/health", timeout=30).raise_for_status()
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        # No keepalive pings of our own (the server pings, and each action has its timeout):
        # under gevent, websockets' keepalive greenlet closes the socket itself when a pong is
        # late, while the receiving greenlet waits on it, and libev aborts the whole Locust
        # process ("I/O watcher with invalid fd found in epoll_ctl"; a heavy-class run logged
        # "keepalive ping timeout" just before one such abort) - see ``close``.
        self._connection = connect(
            self.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
            + "/_stcore/stream",
            subprotocols=["streamlit"], max_size=None, open_timeout=30, ping_interval=None,
            additional_headers={"Cookie": cookies} if cookies else None)
        self.socket = self._connection.__enter__()
        self.session_id = ""
        self.page = ""
        self.query = ""
        self.widgets: dict[str, Widget] = {}
        self._states: dict[str, WidgetState] = {}
        self._cache: dict[str, _Cached] = {}
        self._runs = 0
        self._max_cached_age = 2  # Streamlit's global.maxCachedMessageAge; new_session says

    # -- running the page ---------------------------------------------------------------------

    def open(self, page: str, query: str = "") -> PageRun:
        """Go to `page` (its url path, "" for home) with `query`, as following a link does."""
        self.page, self.query = page, query.lstrip("?")
        self.widgets, self._states = {}, {}
        return self.rerun()

    def rerun(self, changes: Iterable[WidgetState] = (), fragment_id: str = "") -> PageRun:
        """Rerun the page (or one fragment) with the kept widget states plus `changes`."""
        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = self.query
        rerun.page_name = self.page
        if fragment_id:
            rerun.fragment_id = fragment_id
        states = dict(self._states)
        for state in changes:
            states[state.id] = state
        for state in states.values():
            rerun.widget_states.widgets.append(state)
        rerun.cached_message_hashes.extend(self._cache)
        start = time.perf_counter()
        self.socket.send(message.SerializeToString())
        page = self._read_until_finished()
        page.seconds = time.perf_counter() - start
        self._age_cache(fragment_id)
        return page

    def _age_cache(self, fragment_id: str) -> None:
        """After a finished run: drop the entries not used for more than the allowed number of
        runs (a fragment run ages only that fragment's entries), as the frontend does."""
        self._runs += 1
        for digest, entry in list(self._cache.items()):
            if fragment_id and entry.fragment_id != fragment_id:
                continue
            if self._runs - entry.run > self._max_cached_age:
                del self._cache[digest]

    def _resolve(self, forward: ForwardMsg) -> ForwardMsg:
        """The message itself, or for a ``ref_hash`` the cached message it stands for; caches
        a cacheable message."""
        if forward.WhichOneof("type") == "ref_hash":
            entry = self._cache.get(forward.ref_hash)
            if entry is None:
                raise ProtocolError(f"cache miss for ref_hash {forward.ref_hash}")
            entry.run = self._runs
            return entry.message
        if forward.metadata.cacheable and forward.hash and forward.hash not in self._cache:
            fragment = forward.delta.fragment_id if forward.HasField("delta") else ""
            self._cache[forward.hash] = _Cached(forward, self._runs, fragment)
        elif forward.hash in self._cache:
            self._cache[forward.hash].run = self._runs
        return forward

    def _read_until_finished(self) -> PageRun:
        page = PageRun(session_id=self.session_id)
        deadline = time.monotonic() + self.timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RunTimeout(f"no script_finished within {self.timeout_s:.0f} s")
            try:
                frame = self.socket.recv(timeout=left)
            except TimeoutError:
                raise RunTimeout(f"no script_finished within {self.timeout_s:.0f} s") from None
            page.received_bytes += len(frame)
            forward = self._resolve(ForwardMsg.FromString(frame))
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                self.session_id = page.session_id = forward.new_session.initialize.session_id
                self._max_cached_age = forward.new_session.config.max_cached_message_age or 2
            elif kind == "page_not_found":
                page.exceptions.append(f"page not found: {forward.page_not_found.page_name!r}")
            elif kind == "auto_rerun":  # st.fragment(run_every=...): the browser's timer
                page.auto_reruns[forward.auto_rerun.fragment_id] = forward.auto_rerun.interval
            elif kind == "page_info_changed":
                self.query = forward.page_info_changed.query_string
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                if forward.delta.fragment_id:
                    page.fragments.add(forward.delta.fragment_id)
                self._record(page, forward.delta.new_element, forward.delta.fragment_id)
            elif kind == "session_event" and forward.session_event.WhichOneof("type") == \
                    "script_compilation_exception":
                error = forward.session_event.script_compilation_exception
                page.exceptions.append(f"{error.type}: {error.message}")
            elif kind == "script_finished" and forward.script_finished in _FINISHED:
                page.status = forward.script_finished
                return page

    def _record(self, page: PageRun, element, fragment_id: str) -> None:
        kind = element.WhichOneof("type")
        page.elements += 1
        if kind == "exception":
            page.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert":
            if element.alert.format == element.alert.ERROR:
                page.errors.append(element.alert.body)
            elif element.alert.format == element.alert.WARNING:
                page.warnings.append(element.alert.body)
            elif element.alert.format == element.alert.SUCCESS:
                page.successes.append(element.alert.body)
        elif kind == "markdown":
            page.captions.append(element.markdown.body)
        elif kind == "metric":
            page.metrics[element.metric.label] = element.metric.body
        elif kind in _WIDGET_KINDS:
            proto = getattr(element, kind)
            key = widget_key(proto.id)
            if kind == "file_uploader":
                page.uploader_id = proto.id
            if key is not None:
                widget = Widget(proto.id, kind, fragment_id, proto)
                page.widgets[key] = self.widgets[key] = widget

    # -- what a student does ------------------------------------------------------------------

    def widget(self, key: str) -> Widget:
        try:
            return self.widgets[key]
        except KeyError:
            raise LookupError(f"no widget with key {key!r} on /{self.page} "
                              f"(seen: {', '.join(sorted(self.widgets)) or 'none'})") from None

    def set_value(self, key: str, value: float) -> PageRun:
        """Move the slider or number box `key` to `value` (kept for later reruns)."""
        widget = self.widget(key)
        state = WidgetState(id=widget.id)
        if widget.kind == "slider":
            state.double_array_value.data.append(float(value))
        elif widget.kind == "number_input":
            if widget.proto.data_type == widget.proto.INT:
                state.int_value = int(value)
            else:
                state.double_value = float(value)
        else:
            raise TypeError(f"set_value does not handle a {widget.kind} ({key})")
        self._states[widget.id] = state
        return self.rerun(fragment_id=widget.fragment_id)

    def set_text(self, key: str, text: str, rerun: bool = True) -> PageRun | None:
        """Type `text` into the text box `key` and press Enter (kept for later reruns). With
        `rerun` False only typed: a box in a form goes with the form's submit click."""
        widget = self.widget(key)
        if widget.kind not in ("text_input", "text_area"):
            raise TypeError(f"set_text does not handle a {widget.kind} ({key})")
        self._states[widget.id] = WidgetState(id=widget.id, string_value=text)
        return self.rerun(fragment_id=widget.fragment_id) if rerun else None

    def click(self, key: str) -> PageRun:
        """Click the button `key` (a trigger: true for this run only)."""
        widget = self.widget(key)
        return self.rerun([WidgetState(id=widget.id, trigger_value=True)],
                          fragment_id=widget.fragment_id)

    def upload(self, key: str, name: str, payload: bytes, mime: str = "text/csv") -> PageRun:
        """Upload `payload` as file `name` through the file uploader `key`, as the browser
        does; returns the rerun that follows (its seconds include the transfer)."""
        widget = self.widget(key)
        start = time.perf_counter()
        request = BackMsg()
        request.file_urls_request.request_id = f"upload-{time.monotonic_ns()}"
        request.file_urls_request.file_names.append(name)
        request.file_urls_request.session_id = self.session_id
        self.socket.send(request.SerializeToString())
        deadline = time.monotonic() + self.timeout_s
        while True:
            forward = ForwardMsg.FromString(
                self.socket.recv(timeout=max(deadline - time.monotonic(), 0.001)))
            if forward.WhichOneof("type") == "file_urls_response":
                urls = forward.file_urls_response.file_urls[0]
                break
        upload_url = urls.upload_url if urls.upload_url.startswith("http") else (
            self.base_url + urls.upload_url)
        xsrf = self.http.cookies.get(XSRF_COOKIE, "")
        response = self.http.put(upload_url, files={"file": (name, payload, mime)},
                                 headers={"X-Xsrftoken": xsrf}, timeout=self.timeout_s)
        response.raise_for_status()
        state = WidgetState(id=widget.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(payload), urls.file_id
        info.file_urls.CopyFrom(urls)
        self._states[widget.id] = state
        page = self.rerun(fragment_id=widget.fragment_id)
        page.seconds = time.perf_counter() - start
        return page

    def close(self) -> None:
        """Close the tab. Under gevent (Locust) without the closing handshake: websockets'
        receiving thread is a greenlet polling the socket through a gevent selector, and a
        socket closed by another greenlet while that selector registers it aborts libev
        ("I/O watcher with invalid fd found in epoll_ctl"). So the receiving greenlet is
        woken through websockets' own shutdown notifier and closes the socket itself, and
        this waits for it; the server sees the tab go away, as when a laptop lid is shut."""
        connection = self._connection
        if _gevent_patched():
            try:
                connection.shutdown_notifier.send(b"x")
            except OSError:  # already closed
                pass
            connection.recv_events_thread.join(10)
        else:
            connection.__exit__(None, None, None)
        self.http.close()


# -- what a class opens and uploads -------------------------------------------------------------

# The links a teacher shares, by page (url path): x² at x₀ = 1.5; the article's x² + 2y² + 3z²;
# the regression page set up for the student's own CSV.
TEACHER_LINKS = {
    "derivatives": "fn=square&x0=1.5",
    "gradients": "fn=article3d",
    "linear-regression": "src=upload&lr=0.1",
}


def student_csv(tag: str, rng: random.Random, rows: int = 40) -> bytes:
    """A small CSV of a student's own: y = a·x + b + noise, the feature column named x_<tag>."""
    a, b = rng.uniform(-3, 3), rng.uniform(-5, 5)
    lines = [f"x_{tag},y"]
    for _ in range(rows):
        x = rng.uniform(-10, 10)
        lines.append(f"{x:.4f},{a * x + b + rng.gauss(0, 0.5):.4f}")
    return ("\n".join(lines) + "\n").encode()


# -- /proc readings -------------------------------------------------------------------------


def process_tree(pid: int) -> dict[int, list[str]]:
    """`pid` and all its descendants, each with its /proc/<pid>/stat fields after the name."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(child)
        stats[child] = fields
    tree, todo = {}, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        if current in stats:
            tree[current] = stats[current]
    return tree


def _tree_kb_field(pid: int, file: str, field: str) -> int:
    """Bytes: the sum over `pid` and its descendants of the kB value on the line starting with
    `field` in /proc/<pid>/<file> (a process without the file or the line counts 0)."""
    total = 0
    for current in process_tree(pid):
        try:
            for line in Path(f"/proc/{current}/{file}").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, from /proc (VmRSS)."""
    return _tree_kb_field(pid, "status", "VmRSS:")


def tree_pss_bytes(pid: int) -> int:
    """Proportional memory of `pid` and its descendants (Pss, /proc/<pid>/smaps_rollup): a
    page shared by n processes counts 1/n in each, so forked formula workers, which share
    their server's pages until they write them, are not counted twice as in the sum of their
    VmRSS. 0 where smaps_rollup is missing (Linux before 4.14, or not Linux)."""
    return _tree_kb_field(pid, "smaps_rollup", "Pss:")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its descendants so far (children that have exited
    and were waited for included), from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current, fields in process_tree(pid).items():
        total += int(fields[11]) + int(fields[12])
        if current == pid:
            total += int(fields[13]) + int(fields[14])
    return total / ticks


def cpu_model() -> str:
    """The processor's model name and clock (/proc/cpuinfo; ``platform.processor()``
    elsewhere): machines of one kind differ (an AMD EPYC held 200 light students at 18 ms of
    server CPU per action, an Intel Xeon at 2.1 GHz needed 25-27 ms and held 160), so a
    figure names its machine."""
    try:
        model = model_from_cpuinfo(Path("/proc/cpuinfo").read_text())
    except OSError:
        model = ""
    if model:
        return model
    import platform

    return platform.processor() or "unknown processor"


def model_from_cpuinfo(text: str) -> str:
    """"<model name>, <MHz> MHz" of the first processor in /proc/cpuinfo's `text` ("" if none)."""
    first = text.split("\n\n", 1)[0]
    fields = {key.strip(): value.strip() for key, _, value in
              (line.partition(":") for line in first.splitlines())}
    model = fields.get("model name", "")
    try:
        return f"{model}, {float(fields['cpu MHz']):.0f} MHz" if model else ""
    except (KeyError, ValueError):
        return model


def _cpu_jiffies() -> list[int]:
    """The "cpu" line of /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal..."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def machine_steal_ticks() -> int:
    """Jiffies of all CPUs since boot that the hypervisor gave to other machines while this one
    had work to run (``steal`` in /proc/stat; counted in :func:`machine_cpu_ticks`'s busy)."""
    values = _cpu_jiffies()
    return values[7] if len(values) > 7 else 0


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    values = _cpu_jiffies()
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total
