"""The scoring worker as a real process: ``python worker.py --script score.py`` on a code folder."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from basalt.serving import worker

WORKER = Path(worker.__file__)

SCORE = """
import json, os, time

model = None

def init():
    global model
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.json")) as f:
        model = json.load(f)

class Response:
    def __init__(self, data, status_code, headers):
        self.data = data
        self.status_code = status_code
        self.headers = headers

def run(raw_data):
    request = json.loads(raw_data)
    if "boom" in request:
        raise ValueError("boom: " + request["boom"])
    if "text" in request:
        return "hello " + request["text"]
    if "raw" in request:
        return Response(b"<p>raw</p>", 201, {"Content-Type": "text/html", "X-Extra": "1"})
    if "unencodable" in request:
        return object()
    if "sleep" in request:
        time.sleep(request["sleep"])
    return [x * model["scale"] for x in request["data"]]
"""


class Worker:
    """A started worker process and a keep-alive connection to it."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        self.conn.request(method, path, body, headers or {})
        response = self.conn.getresponse()
        return response.status, response.read(), response


def _start(
    tmp_path: Path, script: str = SCORE, name: str = "score.py", wait_ready: bool = True
) -> Worker:
    code = tmp_path / "code"
    (code / "sub").mkdir(parents=True, exist_ok=True)
    (code / "sub" / name).write_text(script)
    model = tmp_path / "model-dir"
    (model / "model").mkdir(parents=True, exist_ok=True)
    (model / "model" / "weights.json").write_text('{"scale": 3}')
    port_file = tmp_path / "port"
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), "--script", f"sub/{name}", "--port-file", str(port_file)],
            cwd=code,
            env={"AZUREML_MODEL_DIR": str(model), "PYTHONUNBUFFERED": "1", "PATH": "/usr/bin"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 10
    while not port_file.exists():
        if proc.poll() is not None:
            return Worker(proc, 0, log)
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.01)
    w = Worker(proc, int(port_file.read_text()), log)
    while wait_ready and proc.poll() is None:
        try:
            if w.call("GET", "/ready")[0] == 200:
                break
        except (OSError, http.client.HTTPException):  # it exited meanwhile (init failed)
            w.conn.close()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)
    return w


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Worker]:
    w = _start(tmp_path)
    yield w
    w.proc.kill()
    w.proc.wait()


def _score(w: Worker, payload: object, request_id: str = "") -> tuple[int, object, dict[str, str]]:
    headers = {"Content-Type": "application/json"}
    if request_id:
        headers["x-request-id"] = request_id
    status, body, response = w.call("POST", "/score", json.dumps(payload).encode(), headers)
    ctype = response.getheader("Content-Type") or ""
    value = json.loads(body) if ctype.startswith("application/json") else body
    return status, value, {k.lower(): v for k, v in response.getheaders()}


def test_init_reads_model_dir_and_run_returns_json(started: Worker) -> None:
    status, value, headers = _score(started, {"data": [1, 2]}, "req-1")
    assert (status, value) == (200, [3, 6])
    assert headers["x-request-id"] == "req-1"
    assert started.call("GET", "/live")[0] == 200


def test_keep_alive_serves_many_requests_on_one_connection(started: Worker) -> None:
    began = time.perf_counter()
    for i in range(200):
        assert _score(started, {"data": [i]})[1] == [3 * i]
    assert time.perf_counter() - began < 2.0  # ~0.3 ms each here; a Nagle stall is 40 ms


def test_str_result_is_a_json_string(started: Worker) -> None:
    assert _score(started, {"text": "you"})[:2] == (200, "hello you")


def test_raw_response_object_is_sent_as_it_is(started: Worker) -> None:
    status, value, headers = _score(started, {"raw": 1})
    assert (status, value) == (201, b"<p>raw</p>")
    assert headers["content-type"] == "text/html"
    assert headers["x-extra"] == "1"


def test_error_in_run_is_500_with_message_and_traceback_in_log(started: Worker) -> None:
    status, value, _ = _score(started, {"boom": "bad row"}, "req-err")
    assert status == 500
    assert value == {"error": "boom: bad row"}
    assert _score(started, {"data": [1]})[:2] == (200, [3])  # the worker carries on
    deadline = time.monotonic() + 5
    while "req-err" not in started.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.02)
    log = started.log.read_text()
    assert "[request req-err] run() raised" in log
    assert "ValueError: boom: bad row" in log


def test_unencodable_result_is_500(started: Worker) -> None:
    status, value, _ = _score(started, {"unencodable": 1})
    assert status == 500
    assert "cannot be sent as JSON" in str(value)


def test_unknown_route_is_404(started: Worker) -> None:
    assert started.call("POST", "/nope", b"{}")[0] == 404
    assert started.call("GET", "/score")[0] == 405


def test_init_failure_exits_3_with_traceback(tmp_path: Path) -> None:
    w = _start(
        tmp_path, "def init():\n    raise RuntimeError('no model here')\n\ndef run(r):\n    pass\n"
    )
    assert w.proc.wait(10) == worker.EXIT_INIT_FAILED
    log = w.log.read_text()
    assert "init failed" in log
    assert "RuntimeError: no model here" in log


def test_missing_run_or_script_exits_3(tmp_path: Path) -> None:
    w = _start(tmp_path / "a", "def init():\n    pass\n")
    assert w.proc.wait(10) == worker.EXIT_INIT_FAILED
    assert "defines no run(raw_data)" in w.log.read_text()


def test_not_ready_while_init_runs(tmp_path: Path) -> None:
    script = "import time\ndef init():\n    time.sleep(1.5)\ndef run(r):\n    return 1\n"
    w = _start(tmp_path, script, wait_ready=False)
    try:
        assert w.call("GET", "/live")[0] == 200
        assert w.call("GET", "/ready")[0] == 503
        assert w.call("POST", "/score", b"{}")[0] == 503
    finally:
        w.proc.kill()
        w.proc.wait()


def test_sigterm_answers_the_request_in_flight(started: Worker) -> None:
    other = http.client.HTTPConnection("127.0.0.1", started.port, timeout=10)
    other.request("POST", "/score", json.dumps({"sleep": 0.5, "data": [1]}).encode())
    time.sleep(0.2)
    started.proc.send_signal(signal.SIGTERM)
    response = other.getresponse()
    assert (response.status, json.loads(response.read())) == (200, [3])
    assert started.proc.wait(5) == 0
