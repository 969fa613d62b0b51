"""The app servers a load test runs against: one process, or two replicas behind nginx.

The same start and stop as the e2e tests: ``tests/e2e/browser.py`` starts ``streamlit run
app.py`` on a free port in its own process group; ``tests/e2e/test_proxy.py`` adapts
``deploy/nginx.conf`` to local ports (``render_site_config``) and wraps it in a minimal,
unprivileged nginx main config (``main_config``). Nothing here depends on pytest fixtures.
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.st_client import TEACHER_LINKS, Session, student_csv
from tests.e2e.browser import (
    AppServer,
    free_port,
    start_app_server,
    stop_process_group,
    wait_http_ok,
)
from tests.e2e.test_proxy import (
    find_nginx,
    main_config,
    parse_access_log,
    render_site_config,
)

_NGINX_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass
class Setup:
    """What the load generator talks to (`url`) and the processes to watch (label -> pid)."""

    name: str
    url: str
    servers: list[AppServer]
    proxy: subprocess.Popen | None = None
    workdir: Path | None = None
    pids: dict[str, int] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proxy is not None:
            stop_process_group(self.proxy)
        for server in self.servers:
            stop_process_group(server.process)


def warm_up(url: str) -> None:
    """Open every lesson a load test uses once, upload a CSV and take a step, so the first
    measured student does not pay for the server's first imports and compilations."""
    session = Session(url, timeout_s=180)
    try:
        for page, query in TEACHER_LINKS.items():
            session.open(page, query)
        session.upload("reg_upload", "warmup.csv", student_csv("warmup", random.Random(0)))
        session.click("k_forward")
    finally:
        session.close()


def start_one(workdir: Path) -> Setup:
    """One ``streamlit run app.py`` process, warmed up."""
    server = start_app_server(workdir / "server.log")
    setup = Setup("one process", server.url, [server], pids={"server": server.process.pid})
    try:
        warm_up(server.url)
    except BaseException:  # also SystemExit from a SIGTERM: no server left behind
        setup.stop()
        raise
    return setup


def start_two_behind_nginx(workdir: Path) -> Setup:
    """Two app processes behind nginx running deploy/nginx.conf (ports rewritten), warmed up."""
    nginx = find_nginx()
    if nginx is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    prefix = workdir / "nginx"
    for kind in _NGINX_TEMP_DIRS:
        (prefix / kind).mkdir(parents=True, exist_ok=True)
    setup = Setup("two replicas + nginx", "", [], workdir=prefix)
    try:
        for i in range(2):  # one after the other: each is in `setup` as soon as it runs
            setup.servers.append(start_app_server(workdir / f"replica{i + 1}.log"))
        setup.pids = {f"replica{i + 1}": s.process.pid for i, s in enumerate(setup.servers)}
        for server in setup.servers:
            warm_up(server.url)
        ports = tuple(int(s.url.rsplit(":", 1)[1]) for s in setup.servers)
        listen = free_port()
        (prefix / "gradlab.conf").write_text(render_site_config(listen, ports))
        (prefix / "nginx.conf").write_text(main_config(prefix))
        setup.proxy = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
             "-e", str(prefix / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        setup.url = f"http://127.0.0.1:{listen}"
        wait_http_ok(f"{setup.url}/_stcore/health", 20, setup.proxy)
        setup.pids["nginx"] = setup.proxy.pid
    except BaseException:  # also SystemExit from a SIGTERM: no server left behind
        setup.stop()
        raise
    return setup


def affinity(setup: Setup) -> dict[str, set[str]]:
    """From nginx's access log: affinity cookie -> the replicas its requests went to."""
    seen: dict[str, set[str]] = {}
    log = setup.workdir / "access.log" if setup.workdir else None
    if log is None or not log.exists():
        return seen
    for cookie, upstream, _, _ in parse_access_log(log.read_text()):
        if cookie not in ("", "-") and upstream not in ("", "-"):
            seen.setdefault(cookie, set()).add(upstream)
    return seen
