"""Two app replicas behind nginx (deploy/nginx.conf, ports rewritten), as a class would use them.

Shows that the shipped proxy example keeps every browser on one replica (page, WebSocket,
uploads), spreads browsers over both replicas, that a shared link opened on the OTHER
replica shows the same numbers (replicas share nothing but the URL), and that a tab whose
replica was restarted under it, and which fell over to the other one, still uploads once the
first is back (the affinity cookie follows the replica that answered).
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.browser import (
    CONNECTED_SELECTOR,
    REPO_ROOT,
    PageLog,
    free_port,
    metric_values,
    open_page,
    page_problems,
    start_app_server,
    stop_process_group,
    wait_http_ok,
    wait_ready,
    warm_up,
)

pytestmark = pytest.mark.e2e

COOKIE = "gradlab_replica"
# The view a teacher shares: x² at x₀ = 1.5 has slope 3.
SHARED_VIEW = "/derivatives?fn=square&x0=1.5"
LINE_CSV = b"x,y\n1,4\n2,7\n3,10\n4,13\n5,16\n"


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).is_file()), None
    )


def render_site_config(listen_port: int, upstream_ports: tuple[int, int]) -> str:
    """deploy/nginx.conf with its example ports (8501, 8502: in the pools, their names and the
    cookie map) replaced by the test's free ports."""
    text = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert text.count("listen 80;") == 1, "deploy/nginx.conf no longer says 'listen 80;' once"
    text = text.replace("listen 80;", f"listen 127.0.0.1:{listen_port};")
    for example, port in zip((8501, 8502), upstream_ports, strict=True):
        assert text.count(f"127.0.0.1:{example};") >= 2, f"no pools for port {example}"
        text = re.sub(rf"\b{example}\b", str(port), text)
    return text


def parse_access_log(text: str) -> list[tuple[str, str, str, str]]:
    """(cookie sent, replica that answered, status, request) per line of main_config's log;
    after a fail-over nginx lists every replica tried ("A, B"): the last one answered."""
    entries = []
    for line in text.splitlines():
        cookie, upstream, status, request = line.split("|", 3)
        entries.append((cookie, upstream.split(", ")[-1], status, request))
    return entries


def main_config(prefix: Path) -> str:
    """A minimal nginx.conf that runs unprivileged in `prefix` and logs each request's upstream."""
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
{user}
events {{ worker_connections 512; }}
http {{
{temp}
    include {prefix}/gradlab.conf;
    log_format affinity '$cookie_{COOKIE}|$upstream_addr|$status|$request_method $request_uri';
    access_log {prefix}/access.log affinity;
}}
"""


class Proxy:
    def __init__(self, url: str, prefix: Path, servers: list):
        self.url = url
        self.prefix = prefix
        self.servers = servers  # a test that restarts a replica puts the new one here
        self.upstreams = [s.url.split("//", 1)[1] for s in servers]

    def log(self) -> list[tuple[str, str, str, str]]:
        return parse_access_log((self.prefix / "access.log").read_text())

    def routes(self, expected: tuple[str, ...] = (), timeout: float = 10.0
               ) -> dict[str, set[str]]:
        """Cookie value -> the set of upstream addresses its requests went to.

        nginx writes a request's log line when it finalises the request, which can be just
        after the client has read the response; so this waits (up to ``timeout`` s) until every
        cookie value in ``expected`` has its line.
        """
        deadline = time.monotonic() + timeout
        while True:
            seen: dict[str, set[str]] = defaultdict(set)
            for cookie, upstream, _, _ in self.log():
                if cookie not in ("", "-") and upstream not in ("", "-"):
                    seen[cookie].add(upstream)
            if all(seen.get(c) for c in expected) or time.monotonic() > deadline:
                return seen
            time.sleep(0.05)

    def get(self, path: str, cookie: str | None = None):
        request = urllib.request.Request(self.url + path)
        if cookie:
            request.add_header("Cookie", f"{COOKIE}={cookie}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()


@contextmanager
def replicas_behind_nginx(prefix: Path, warm, env: dict[str, str] | None = None):
    """Two app replicas (with `env` set) behind deploy/nginx.conf, run from the folder `prefix`:
    yields their :class:`Proxy` once each replica has been warmed (``warm(url)``: its first
    visit pays for its imports) and nginx answers; stops nginx and the replicas listed in
    ``proxy.servers`` then (a test that restarted one put the new one there). Skips the test
    where nginx is not installed."""
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light); see README 'Deploy'")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / kind).mkdir()
    with ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(
            lambda i: start_app_server(prefix / f"replica{i}.log", env=env), range(2)))
    process = None
    try:
        for server in servers:
            warm(server.url)
        ports = tuple(int(s.url.rsplit(":", 1)[1]) for s in servers)
        listen = free_port()
        (prefix / "gradlab.conf").write_text(render_site_config(listen, ports))
        (prefix / "nginx.conf").write_text(main_config(prefix))
        process = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
             "-e", str(prefix / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_http_ok(f"http://127.0.0.1:{listen}/_stcore/health", 20, process)
        proxy = Proxy(f"http://127.0.0.1:{listen}", prefix, servers)
        yield proxy
        servers = proxy.servers
    finally:
        if process is not None:
            stop_process_group(process)
        for server in servers:
            stop_process_group(server.process)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, browser):
    with replicas_behind_nginx(tmp_path_factory.mktemp("nginx"),
                               lambda url: warm_up(browser, url)) as proxy:
        yield proxy


def _cookie_for_each_replica(proxy: Proxy) -> dict[str, str]:
    """The affinity cookie of each replica: the address of the replica that answered."""
    return {upstream: upstream for upstream in proxy.upstreams}


def test_proxy_sets_an_affinity_cookie_and_spreads_browsers(proxy):
    """A first visit gets the cookie of the replica that answered; browsers without one are
    spread over both; a browser with a replica's cookie stays on it."""
    answered = set()
    for _ in range(4):
        status, headers, body = proxy.get("/")
        assert status == 200 and b"<html" in body.lower()
        cookie = _set_affinity(headers)
        match = re.fullmatch(rf"{COOKIE}=(127\.0\.0\.1:\d+); Path=/; HttpOnly; SameSite=Lax",
                             cookie)
        assert match, cookie
        answered.add(match.group(1))
    assert answered == set(proxy.upstreams)
    for upstream in proxy.upstreams:
        for _ in range(3):
            _, headers, _ = proxy.get("/_stcore/health", cookie=upstream)
            assert _set_affinity(headers).startswith(f"{COOKIE}={upstream};")
    routes = proxy.routes(expected=tuple(proxy.upstreams))
    assert all(routes[u] == {u} for u in proxy.upstreams), routes


def test_a_request_that_nginx_answers_itself_keeps_the_cookie(proxy):
    """No replica answered (a body over client_max_body_size: 413 from nginx): the cookie is
    set to what the browser sent, not emptied."""
    request = urllib.request.Request(proxy.url + "/_stcore/upload_file/x/y",
                                     data=b"0" * (23 * 2**20), method="PUT")
    request.add_header("Cookie", f"{COOKIE}={proxy.upstreams[1]}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert _set_affinity(refused.value.headers).startswith(f"{COOKIE}={proxy.upstreams[1]};")


def _set_affinity(headers) -> str:
    """The Set-Cookie header of the affinity cookie (Streamlit sets its XSRF cookie too)."""
    cookies = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith(f"{COOKIE}=")]
    assert len(cookies) == 1, headers.get_all("Set-Cookie")
    return cookies[0]


def _visit(browser, proxy: Proxy, cookie: str):
    """A fresh browser context pinned to one replica by its affinity cookie."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    host = proxy.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": COOKIE, "value": cookie, "domain": host, "path": "/"}])
    page = context.new_page()
    log = PageLog()
    log.attach(page)
    return context, page, log


def test_shared_link_and_upload_through_the_proxy_on_both_replicas(proxy, browser):
    """A view set up on one replica opens with the same numbers on the other; an upload goes
    through the proxy to the replica holding the session; each browser's page, assets,
    WebSocket and upload all stay on its own replica."""
    chosen = _cookie_for_each_replica(proxy)
    first, second = chosen[proxy.upstreams[0]], chosen[proxy.upstreams[1]]

    context, page, log = _visit(browser, proxy, first)
    open_page(page, proxy.url + SHARED_VIEW)
    shown = metric_values(page)
    assert shown["Tangent slope f′(x₀)"] == "3"
    link = page.url
    assert page_problems(page) == []
    context.close()
    assert log.real_errors() == []

    context, page, log = _visit(browser, proxy, second)
    open_page(page, link)
    assert metric_values(page) == shown
    open_page(page, proxy.url + "/linear-regression?src=upload&lr=0.1")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": "line.csv", "mimeType": "text/csv", "buffer": LINE_CSV}
    )
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stMetricValue']")]
                 .some(v => v.innerText.trim() === '118')"""
    )
    wait_ready(page)
    assert page_problems(page) == []
    context.close()
    assert log.real_errors() == []

    # nginx logs a WebSocket when it closes: wait for both browsers' streams to be written.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        streams = {entry[0] for entry in proxy.log() if "/_stcore/stream" in entry[3]}
        if {first, second} <= streams:
            break
        time.sleep(0.1)
    assert {first, second} <= streams
    uploads = [entry for entry in proxy.log() if "/_stcore/upload_file/" in entry[3]]
    assert uploads and all(entry[0] == second for entry in uploads), uploads
    routes = proxy.routes()
    assert routes[first] == {proxy.upstreams[0]}
    assert routes[second] == {proxy.upstreams[1]}


def test_a_tab_that_fell_over_still_uploads_after_its_replica_is_back(proxy, browser):
    """A rolling restart under an open tab: its replica goes down, the tab reconnects through
    nginx to the other one (a new session there), the affinity cookie follows it, and once the
    first replica is back the tab's upload still reaches the replica that holds its session
    (it went to the restarted one before, which answered HTTP 400 until a reload)."""
    seen = len(proxy.log())
    context, page, log = _visit_fresh(browser)
    try:
        open_page(page, proxy.url + "/linear-regression?src=upload&lr=0.1")
        first = _affinity_cookie(context)
        index = proxy.upstreams.index(first)
        other = proxy.upstreams[1 - index]
        stop_process_group(proxy.servers[index].process)
        page.wait_for_selector(CONNECTED_SELECTOR, state="detached", timeout=30_000)
        page.wait_for_selector(CONNECTED_SELECTOR, timeout=60_000)
        wait_ready(page)
        assert _affinity_cookie(context) == other
        proxy.servers[index] = start_app_server(
            proxy.prefix / f"replica{index}-restarted.log", port=int(first.rsplit(":", 1)[1]))
        # nginx sends nothing to a replica for 10 s after it failed (fail_timeout): the upload
        # must come when the restarted replica takes requests again, as minutes later would.
        _wait_until_answered_by(proxy, first, cookie=first)
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
            {"name": "line.csv", "mimeType": "text/csv", "buffer": LINE_CSV})
        page.wait_for_function(
            """() => [...document.querySelectorAll("[data-testid='stMetricValue']")]
                     .some(v => v.innerText.trim() === '118')""")
        wait_ready(page)
        assert page_problems(page) == []
        assert "line.csv" in page.inner_text("body")
    finally:
        context.close()
    uploads = [entry for entry in proxy.log()[seen:] if "/_stcore/upload_file/" in entry[3]]
    assert uploads, "the upload did not go through nginx"
    assert all(entry[1] == other and entry[2].startswith("2") for entry in uploads), uploads
    # The reconnected WebSocket carried the new cookie (nginx logs it when it closes).
    deadline = time.monotonic() + 10
    while not (streams := [e for e in proxy.log()[seen:] if "/_stcore/stream" in e[3]
                           and e[0] == other]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert streams and all(entry[1] == other for entry in streams), streams
    assert log.real_errors() == []


def _wait_until_answered_by(proxy: Proxy, upstream: str, cookie: str,
                            timeout: float = 60.0) -> None:
    """Send health checks with `cookie` until nginx passes one to `upstream`."""
    deadline = time.monotonic() + timeout
    probe = 0
    while time.monotonic() < deadline:
        probe += 1
        uri = f"/_stcore/health?probe={probe}"
        proxy.get(uri, cookie=cookie)
        for _ in range(40):  # nginx writes the log line just after the answer
            answered = [e[1] for e in proxy.log() if e[3] == f"GET {uri}"]
            if answered:
                break
            time.sleep(0.05)
        if answered == [upstream]:
            return
        time.sleep(0.5)
    raise AssertionError(f"nginx sent nothing to {upstream} within {timeout:.0f} s")


def _visit_fresh(browser):
    """A fresh browser context with no affinity cookie: nginx picks its replica."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog()
    log.attach(page)
    return context, page, log


def _affinity_cookie(context) -> str:
    values = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
    assert len(values) == 1, values
    return values[0]
