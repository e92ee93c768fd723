"""One scoring worker: ``python worker.py --script score.py [--port P] [--port-file F]``.

Run as a *script path* with a deployment environment's own interpreter, so it imports nothing
but the standard library (deployment environments do not contain Basalt). It loads the scoring
script from the code folder (``cwd``, also put first on ``sys.path``), serves HTTP/1.1 with
keep-alive on a loopback port at once, calls ``init()`` once, and then answers:

- ``GET /live``: 200 while the process serves (also ``GET /``);
- ``GET /ready``: 200 once ``init()`` returned, 503 before;
- ``POST /score``: the body as a ``str`` to ``run(raw_data)``; the result as JSON (a ``str``
  result as a JSON string, as Azure ML does); a result with ``status_code`` and ``data`` (or
  ``response``), like Azure ML's ``AMLResponse``, is sent as it is, with its headers. An
  exception in ``run`` answers 500 ``{"error": message}`` and prints the traceback with the
  request id (the ``x-request-id`` header, or a new one).

``init()`` failing (or the script not loading) prints the traceback and exits with status 3
(``EXIT_INIT_FAILED``); the supervisor reports the deployment ``Failed`` with it. SIGTERM
stops the worker once its requests in flight are answered. With ``--parent-pid`` the worker
exits by itself when that process has gone, so a killed server leaves no worker behind.

Concurrency is the gateway's business (``max_concurrent_requests_per_instance``); the worker
answers each connection in its own thread.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

EXIT_INIT_FAILED = 3
"""Exit status when the scoring script cannot be loaded or its ``init()`` raised."""
DRAIN_TIMEOUT_S = 30.0
"""How long SIGTERM waits for requests in flight before the worker exits anyway."""

_JSON = "application/json"


class _State:
    """What the request threads share: the ``run`` function, readiness, requests in flight."""

    def __init__(self) -> None:
        self.run: Callable[[str], Any] | None = None
        self.ready = False
        self.stopping = False
        self.inflight = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()


STATE = _State()


def _say(text: str, *, err: bool = False) -> None:
    """A line on the worker's console (its log file), flushed at once."""
    print(text, file=sys.stderr if err else sys.stdout, flush=True)  # noqa: T201 - console = log


def _json_default(value: Any) -> Any:
    """Encode numpy arrays and scalars (``tolist``) and DataFrames (``to_dict``) as JSON."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict(orient="records")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _safe_header(text: object) -> str:
    """A header name or value with no line breaks (a scoring script's headers are untrusted)."""
    return str(text).replace("\r", " ").replace("\n", " ")


def encode_result(result: Any) -> tuple[int, bytes, str, list[tuple[str, str]]]:
    """The status, body, content type and extra headers of ``run``'s result.

    Raises:
        TypeError: The result cannot be sent as JSON.
        ValueError: The result cannot be sent as JSON.
    """
    if hasattr(result, "status_code") and (hasattr(result, "data") or hasattr(result, "response")):
        return _raw_response(result)
    if isinstance(result, bytes):
        return 200, result, "application/octet-stream", []
    body = json.dumps(result, default=_json_default).encode("utf-8")
    return 200, body, _JSON, []


def _raw_response(result: Any) -> tuple[int, bytes, str, list[tuple[str, str]]]:
    """An ``AMLResponse``-like result: its status, body and headers as they are."""
    status = int(result.status_code)
    data = getattr(result, "data", None)
    if data is None:
        chunks = getattr(result, "response", b"")
        if isinstance(chunks, (bytes, str)):
            data = chunks
        else:
            data = b"".join(c if isinstance(c, bytes) else str(c).encode() for c in chunks)
    content_type = getattr(result, "content_type", None)
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = json.dumps(data, default=_json_default).encode("utf-8")
        content_type = content_type or _JSON
    headers: list[tuple[str, str]] = []
    raw_headers = getattr(result, "headers", None) or {}
    items: Iterable[Any] = raw_headers.items() if hasattr(raw_headers, "items") else raw_headers
    for name, value in items:
        if str(name).lower() in ("content-length", "transfer-encoding", "connection"):
            continue
        if str(name).lower() == "content-type":
            content_type = str(value)
            continue
        headers.append((_safe_header(name), _safe_header(value)))
    return status, data, str(content_type or "text/plain; charset=utf-8"), headers


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; each response is written with one ``send``."""

    protocol_version = "HTTP/1.1"
    server_version = "basalt-worker"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        """No access log: the gateway keeps request counts."""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = _JSON,
        request_id: str = "",
        extra: Iterable[tuple[str, str]] = (),
    ) -> None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        lines = [
            f"HTTP/1.1 {status} {reason}",
            f"Content-Type: {_safe_header(content_type)}",
            f"Content-Length: {len(body)}",
        ]
        if request_id:
            lines.append(f"x-request-id: {_safe_header(request_id)}")
        lines.extend(f"{name}: {value}" for name, value in extra)
        if STATE.stopping:
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head + body)

    def _error(self, status: int, message: str, request_id: str = "") -> None:
        self._send(status, json.dumps({"error": message}).encode("utf-8"), _JSON, request_id)

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        """Probes: ``/live`` (and ``/``), ``/ready``."""
        path = self._path()
        if path in ("/live", "/"):
            self._send(200, b'"Healthy"')
        elif path == "/ready":
            if STATE.ready:
                self._send(200, b'"Ready"')
            else:
                self._error(503, "the scoring script's init() has not returned yet")
        elif path == "/score":
            self._send(405, b'{"error": "send the request with POST"}', extra=[("Allow", "POST")])
        else:
            self._error(404, f"no route {path}; POST /score, GET /ready, GET /live")

    def do_POST(self) -> None:  # noqa: N802 - stdlib's name
        """``/score``: call ``run(raw_data)``."""
        request_id = self.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        body = self._read_body()
        if body is None:
            return
        if self._path() != "/score":
            self._error(404, f"no route {self._path()}; POST /score", request_id)
            return
        run = STATE.run
        if run is None or not STATE.ready:
            self._error(503, "the worker is not ready: init() has not returned yet", request_id)
            return
        try:
            raw = body.decode("utf-8")
        except UnicodeDecodeError:
            self._error(400, "the request body is not UTF-8 text", request_id)
            return
        with STATE.lock:
            STATE.inflight += 1
        try:
            self._score(run, raw, request_id)
        finally:
            with STATE.lock:
                STATE.inflight -= 1

    def _score(self, run: Callable[[str], Any], raw: str, request_id: str) -> None:
        try:
            result = run(raw)
        except Exception as exc:
            _say(f"[request {request_id}] run() raised:\n{traceback.format_exc()}", err=True)
            self._error(500, str(exc) or type(exc).__name__, request_id)
            return
        try:
            status, data, content_type, extra = encode_result(result)
        except (TypeError, ValueError) as exc:
            _say(f"[request {request_id}] cannot encode run()'s result: {exc}", err=True)
            self._error(
                500, f"run() returned a value that cannot be sent as JSON: {exc}", request_id
            )
            return
        self._send(status, data, content_type, request_id, extra)

    def _read_body(self) -> bytes | None:
        """The request body (Content-Length or chunked); None after answering an error."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self._error(400, "bad Content-Length")
            return None
        return self.rfile.read(length) if length > 0 else b""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet on a client that went away; anything else is printed."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def load_script(script: str) -> ModuleType:
    """Import the scoring script (a path relative to the code folder) as a module.

    Raises:
        FileNotFoundError: No such script.
        ImportError: It cannot be loaded as a module.
    """
    path = Path(script)
    if not path.is_file():
        raise FileNotFoundError(
            f"Scoring script {script} not found in the code folder {Path.cwd()}; check "
            "code_configuration.scoring_script (a path relative to code_configuration.code)"
        )
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path.resolve())
    if spec is None or spec.loader is None:
        raise ImportError(f"Cannot load scoring script {script} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _watch_parent(parent_pid: int) -> None:
    """Exit when the process that started this worker has gone (reparented)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            _say("[worker] the supervisor has gone; exiting", err=True)
            os._exit(0)


def _on_sigterm(signum: int, frame: Any) -> None:
    STATE.stopping = True
    STATE.stopped.set()


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve one Azure ML-style scoring script.")
    parser.add_argument("--script", required=True, help="Scoring script, relative to --code.")
    parser.add_argument("--code", default=".", help="Code folder (default: the current one).")
    parser.add_argument("--host", default="127.0.0.1", help="Address (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=0, help="Port (0: a free one).")
    parser.add_argument("--port-file", help="Write the port here once listening.")
    parser.add_argument("--parent-pid", type=int, help="Exit when this process has gone.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM; the exit status (3: the script failed to load or ``init()``)."""
    args = _parse(argv)
    code = Path(args.code).resolve()
    os.chdir(code)
    sys.path.insert(0, str(code))
    server = _Server((args.host, args.port), _Handler)
    port = server.server_address[1]
    if args.port_file:
        partial = Path(args.port_file + ".tmp")
        partial.write_text(str(port), encoding="utf-8")
        partial.replace(args.port_file)
    signal.signal(signal.SIGTERM, _on_sigterm)
    threading.Thread(target=server.serve_forever, name="serve", daemon=True).start()
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid,), daemon=True).start()
    _say(f"[worker] pid {os.getpid()} on {args.host}:{port}; loading {args.script}")
    started = time.perf_counter()
    try:
        module = load_script(args.script)
        init = getattr(module, "init", None)
        if callable(init):
            init()
        run = getattr(module, "run", None)
        if not callable(run):
            raise AttributeError(f"Scoring script {args.script} defines no run(raw_data) function")
    except BaseException:
        _say(f"[worker] init failed:\n{traceback.format_exc()}", err=True)
        sys.stdout.flush()
        os._exit(EXIT_INIT_FAILED)
    STATE.run = run
    STATE.ready = True
    _say(f"[worker] ready in {time.perf_counter() - started:.2f} s")
    while not STATE.stopped.wait(1.0):
        pass
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while STATE.inflight and time.monotonic() < deadline:
        time.sleep(0.01)
    _say("[worker] stopped")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
