"""benchmarks/st_client: the load test's HTTP client behaves as a browser does when the server
closes an idle keep-alive connection just as a request is sent on it."""

import socket
import threading

from benchmarks.st_client import http_session

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += connection.recv(65536)
    return head


def _server(listener: socket.socket, seen: list) -> None:
    """First connection: answers one request, then closes on the next without an answer (as
    uvicorn closing an idle keep-alive connection). Later connections: answer each request."""
    first, _ = listener.accept()
    seen.append(_read_request(first).split(b"\r\n")[0])
    first.sendall(ANSWER)
    seen.append(_read_request(first).split(b"\r\n")[0])
    first.close()
    second, _ = listener.accept()
    seen.append(_read_request(second).split(b"\r\n")[0])
    second.sendall(ANSWER)
    second.close()


def test_a_request_on_a_connection_the_server_closed_is_sent_again():
    """The PUT sent on the closed connection is sent once more on a new one and answered."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: list[bytes] = []
    thread = threading.Thread(target=_server, args=(listener, seen), daemon=True)
    thread.start()
    http = http_session()
    url = f"http://127.0.0.1:{port}/_stcore/upload_file/s/f"
    assert http.get(url, timeout=10).text == "ok"
    response = http.put(url, files={"file": ("a.csv", b"x,y\n1,2\n", "text/csv")}, timeout=10)
    assert response.status_code == 200 and response.text == "ok"
    thread.join(10)
    listener.close()
    assert [line.split(b" ")[0] for line in seen] == [b"GET", b"PUT", b"PUT"]


def test_the_benchmarks_name_the_processor_and_its_clock():
    """A capacity figure depends on the machine: the header names the first processor."""
    from benchmarks.st_client import cpu_model, model_from_cpuinfo

    text = ("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\ncpu MHz\t\t: 2100.000\n"
            "\nprocessor\t: 1\nmodel name\t: Other\ncpu MHz\t\t: 1.0\n")
    assert model_from_cpuinfo(text) == "Intel(R) Xeon(R) Processor, 2100 MHz"
    assert model_from_cpuinfo("processor\t: 0\nmodel name\t: AMD EPYC\ncpu MHz\t: n/a\n") \
        == "AMD EPYC"
    assert model_from_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\n") == ""
    assert cpu_model()


def test_the_hosts_steal_is_read_with_the_machines_busy_time():
    """bench_capacity.py reports the host's steal apart: part of 'others', never more."""
    from benchmarks.st_client import machine_cpu_ticks, machine_steal_ticks

    steal0, (busy0, total0) = machine_steal_ticks(), machine_cpu_ticks()
    sum(range(200_000))
    steal1, (busy1, total1) = machine_steal_ticks(), machine_cpu_ticks()
    assert 0 <= steal0 <= steal1 and busy0 <= busy1 and total0 <= total1
    assert steal1 - steal0 <= busy1 - busy0 + 1  # one tick of sampling skew
    assert steal1 <= busy1 <= total1
