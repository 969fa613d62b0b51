"""Two app replicas behind nginx (deploy/nginx.conf, ports rewritten), as a class would use them.

Shows that the shipped proxy example keeps every browser on one replica (page, WebSocket,
uploads), spreads browsers over both replicas, and that a shared link opened on the OTHER
replica shows the same numbers: replicas share nothing but the URL.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.browser import (
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
    """deploy/nginx.conf with its example ports replaced by the test's free ports."""
    text = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        "server 127.0.0.1:8501;": f"server 127.0.0.1:{upstream_ports[0]};",
        "server 127.0.0.1:8502;": f"server 127.0.0.1:{upstream_ports[1]};",
        "listen 80;": f"listen 127.0.0.1:{listen_port};",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer contains {old!r} exactly once"
        text = text.replace(old, new)
    return text


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
    log_format affinity '$cookie_{COOKIE} $upstream_addr $status $request_uri';
    access_log {prefix}/access.log affinity;
}}
"""


class Proxy:
    def __init__(self, url: str, prefix: Path, upstreams: list[str]):
        self.url = url
        self.prefix = prefix
        self.upstreams = upstreams

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
            for line in (self.prefix / "access.log").read_text().splitlines():
                cookie, upstream, *_ = line.split(" ")
                if cookie != "-" and upstream != "-":
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


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, browser):
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light); see README 'Deploy'")
    prefix = tmp_path_factory.mktemp("nginx")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / kind).mkdir()
    with ThreadPoolExecutor(2) as pool:
        servers = list(
            pool.map(lambda i: start_app_server(prefix / f"replica{i}.log"), range(2))
        )
    process = None
    try:
        for server in servers:
            warm_up(browser, server.url)
        ports = tuple(int(s.url.rsplit(":", 1)[1]) for s in servers)
        listen = free_port()
        (prefix / "gradlab.conf").write_text(render_site_config(listen, ports))
        (prefix / "nginx.conf").write_text(main_config(prefix))
        command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                   "-e", str(prefix / "error.log")]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_http_ok(f"http://127.0.0.1:{listen}/_stcore/health", 20, process)
        yield Proxy(f"http://127.0.0.1:{listen}", prefix, [f"127.0.0.1:{p}" for p in ports])
    finally:
        if process is not None:
            stop_process_group(process)
        for server in servers:
            stop_process_group(server.process)


def _cookie_for_each_replica(proxy: Proxy) -> dict[str, str]:
    """Find an affinity cookie value that lands on each replica (the hash is deterministic)."""
    for i in range(32):
        proxy.get("/_stcore/health", cookie=f"student{i}")
    routes = proxy.routes(expected=tuple(f"student{i}" for i in range(32)))
    chosen = {}
    for i in range(32):
        (upstream,) = routes[f"student{i}"]
        chosen.setdefault(upstream, f"student{i}")
    return chosen


def test_proxy_sets_an_affinity_cookie_and_spreads_browsers(proxy):
    """A first visit gets a random affinity cookie; fixed cookies pin one replica each, and
    together they use both replicas."""
    status, headers, body = proxy.get("/")
    assert status == 200 and b"<html" in body.lower()
    cookie = headers.get("Set-Cookie", "")
    assert re.fullmatch(rf"{COOKIE}=[0-9a-f]{{32}}; Path=/; HttpOnly; SameSite=Lax", cookie), cookie
    chosen = _cookie_for_each_replica(proxy)
    assert sorted(chosen) == sorted(proxy.upstreams)
    routes = proxy.routes()
    assert all(len(upstreams) == 1 for upstreams in routes.values()), routes


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
        streams = {line.split(" ")[0] for line in (proxy.prefix / "access.log").read_text()
                   .splitlines() if "/_stcore/stream" in line}
        if {first, second} <= streams:
            break
        time.sleep(0.1)
    assert {first, second} <= streams
    uploads = [line for line in (proxy.prefix / "access.log").read_text().splitlines()
               if "/_stcore/upload_file/" in line]
    assert uploads and all(line.split(" ")[0] == second for line in uploads), uploads
    routes = proxy.routes()
    assert routes[first] == {proxy.upstreams[0]}
    assert routes[second] == {proxy.upstreams[1]}
