"""The embedded serve host: one detached ``basalt serve`` per workspace, found by its file.

In embedded mode nothing runs in the background until a deployment needs it. Creating a
deployment, or invoking an endpoint, calls ``ensure_serving(settings)``: when
``.basalt/serve.json`` names a live process that answers, its URL is returned; otherwise a
detached ``basalt serve --port 0`` is started (its own session, like a job's runner, so closing
the terminal loses nothing; its output in ``.basalt/serve.log``), and its URL returned once it
answers. The serve process writes the file itself (``write_serve_file``) when it listens.

``HttpInvoker`` is the control plane's ``ScoringInvoker``: ``invoke`` POSTs to the gateway with
the endpoint's key. Standard library only: the control plane calls this without loading the
server.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import quote

from basalt.config import Settings, environ_snapshot, settings_env
from basalt.errors import InvalidArgumentError, UnavailableError
from basalt.spec.endpoints import DEPLOYMENT_HEADER, InvokeResponse

SERVE_FILE = "serve.json"
"""In the workspace's ``.basalt/``: ``{"pid", "port", "url"}`` of the running serve process."""
SERVE_LOG = "serve.log"
SERVE_LOCK = "serve.lock"
HEALTH_PATH = "/healthz"
START_TIMEOUT_S = 60.0
WARMUP_WAIT_S = 30.0
"""How long ``invoke`` waits for a deployment's workers to become ready after a (re)start."""


@dataclass(frozen=True)
class ServeInfo:
    """What ``serve.json`` holds."""

    pid: int
    port: int
    url: str


def serve_file(settings: Settings) -> Path:
    """``.basalt/serve.json`` of the embedded workspace.

    Raises:
        InvalidArgumentError: Not an embedded workspace (a server serves its own endpoints).
    """
    if settings.state_dir is None:
        raise InvalidArgumentError(
            "Endpoints are served by 'basalt server start' for a server store; 'basalt serve' "
            "is for an embedded workspace (run 'basalt init' first)"
        )
    return settings.state_dir / SERVE_FILE


def write_serve_file(path: Path, port: int, pid: int | None = None) -> ServeInfo:
    """Record this process as the workspace's serve host (atomically)."""
    info = ServeInfo(pid=pid or os.getpid(), port=port, url=f"http://127.0.0.1:{port}")
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(info.__dict__), encoding="utf-8")
    partial.replace(path)
    return info


def remove_serve_file(path: Path, pid: int | None = None) -> None:
    """Remove ``serve.json`` if it still names ``pid`` (default: this process)."""
    info = read_serve_file(path)
    if info is not None and info.pid == (pid or os.getpid()):
        path.unlink(missing_ok=True)


def read_serve_file(path: Path) -> ServeInfo | None:
    """The recorded serve host, or None (no file, or an unreadable one)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return ServeInfo(pid=int(raw["pid"]), port=int(raw["port"]), url=str(raw["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs (an exited child not yet reaped, a zombie, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout) as response:  # noqa: S310 - loopback URL we wrote
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def running(settings: Settings) -> ServeInfo | None:
    """The workspace's serve host when its process is alive and answers, else None."""
    info = read_serve_file(serve_file(settings))
    if info is None or not _pid_alive(info.pid) or not _answers(info.url):
        return None
    return info


def stop_serving(settings: Settings, timeout: float = 15.0) -> bool:
    """Stop the workspace's serve host (SIGTERM); True when one was running.

    It stops its workers first and removes ``serve.json``. Tests call this so no detached
    serve process outlives them.
    """
    path = serve_file(settings)
    info = read_serve_file(path)
    if info is None or not _pid_alive(info.pid):
        path.unlink(missing_ok=True)
        return False
    os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(info.pid):
        time.sleep(0.05)
    return True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_serving(settings: Settings, timeout: float = START_TIMEOUT_S) -> str:
    """The URL of the workspace's serve host, starting a detached one if none answers.

    Args:
        settings: Settings of an embedded workspace.
        timeout: Seconds to wait for a new serve process to answer.

    Returns:
        Its base URL, ``http://127.0.0.1:PORT``; scoring is at ``/endpoints/NAME/score``.

    Raises:
        InvalidArgumentError: Not an embedded workspace.
        UnavailableError: The serve process exited or did not answer in time (its log tail
            is in the message).
    """
    path = serve_file(settings)
    found = running(settings)
    if found is not None:
        return found.url
    with _locked(path.parent / SERVE_LOCK):
        found = running(settings)  # another caller may have started it while we waited
        if found is not None:
            return found.url
        path.unlink(missing_ok=True)
        return _start(settings, path, timeout)


def _start(settings: Settings, path: Path, timeout: float) -> str:
    log_path = path.parent / SERVE_LOG
    env = environ_snapshot()
    env.update(settings_env(settings))
    command = [
        sys.executable,
        "-m",
        "basalt.cli.main",
        "--workspace",
        str(settings.workspace),
        "serve",
        "--port",
        "0",
    ]
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # survives the terminal; its own process group
            close_fds=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise UnavailableError(
                f"'basalt serve' exited with status {proc.returncode} before answering; "
                f"its log {log_path} ends with:\n{_tail(log_path)}"
            )
        info = read_serve_file(path)
        if info is not None and info.pid == proc.pid and _answers(info.url):
            return info.url
        time.sleep(0.05)
    raise UnavailableError(
        f"'basalt serve' (pid {proc.pid}) did not answer within {timeout:.0f} s; see {log_path}"
    )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class HttpInvoker:
    """The control plane's ``ScoringInvoker``: POST to a gateway with the endpoint's key.

    Args:
        base_url: Returns the gateway's base URL (``ensure_serving`` in embedded mode, the
            server's own loopback URL in a server).
        key: Returns the endpoint's primary key for ``(workspace, endpoint)``.
        timeout: Seconds to wait for the answer.
    """

    def __init__(
        self,
        base_url: Callable[[], str],
        key: Callable[[str, str], str],
        timeout: float = 200.0,
    ) -> None:
        self.base_url = base_url
        self.key = key
        self.timeout = timeout

    def __call__(
        self, workspace: str, endpoint: str, body: bytes, deployment: str | None
    ) -> InvokeResponse:
        """Score ``body`` and return the gateway's answer, whatever its status.

        A deployment whose workers are still starting (a serve host that was just started,
        a worker being restarted) answers 503 with ``Retry-After``: that answer is retried
        for up to ``WARMUP_WAIT_S``, so ``invoke`` right after a restart waits instead of
        failing.

        Raises:
            UnavailableError: The gateway cannot be reached.
        """
        deadline = time.monotonic() + WARMUP_WAIT_S
        while True:
            answer, retry = self._once(workspace, endpoint, body, deployment)
            if not retry or time.monotonic() >= deadline:
                return answer
            time.sleep(0.1)

    def _once(
        self, workspace: str, endpoint: str, body: bytes, deployment: str | None
    ) -> tuple[InvokeResponse, bool]:
        """One try: the answer, and whether the gateway asked for another.

        The gateway sends 503 with ``Retry-After`` while a deployment's workers are starting.
        """
        url = f"{self.base_url().rstrip('/')}/workspaces/{quote(workspace, safe='')}"
        url += f"/endpoints/{quote(endpoint, safe='')}/score"
        headers = {
            "Authorization": f"Bearer {self.key(workspace, endpoint)}",
            "Content-Type": "application/json",
        }
        if deployment:
            headers[DEPLOYMENT_HEADER] = deployment
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - our gateway
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return _answer(response.status, response.read(), response.headers), False
        except urllib.error.HTTPError as exc:
            retry = exc.code == 503 and exc.headers.get("Retry-After") is not None
            return _answer(exc.code, exc.read(), exc.headers), retry
        except (urllib.error.URLError, OSError) as exc:
            raise UnavailableError(
                f"The scoring gateway at {url} cannot be reached ({exc}); is 'basalt serve' "
                "or 'basalt server start' running?"
            ) from exc


def _answer(status: int, body: bytes, headers: Message) -> InvokeResponse:
    return InvokeResponse(
        status_code=status,
        body=body.decode("utf-8", "replace"),
        deployment=headers.get(DEPLOYMENT_HEADER),
        request_id=headers.get("x-request-id"),
    )


def embedded_invoker(settings: Settings, key: Callable[[str, str], str]) -> HttpInvoker:
    """The invoker of an embedded workspace: starts ``basalt serve`` when needed."""
    return HttpInvoker(lambda: ensure_serving(settings), key)
