"""HTTP transport: httpx, the error envelope rebuilt as BasaltError, retries on unavailable."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from pydantic import BaseModel

from basalt._version import __version__
from basalt.client.transports.base import clean_query
from basalt.errors import BasaltError, IncompatibleServerError, UnavailableError
from basalt.spec.operations import API_VERSION, Operation

logger = logging.getLogger(__name__)

VERSION_HEADER = "X-Basalt-Api-Version"
RETRIES = 4  # for 503 unavailable: about 3 s of backoff in all
CONNECT_RETRIES = 2  # a refused connection is reported after about 0.6 s
CHUNK = 1024 * 1024


class HttpTransport:
    """Talks to a Basalt server.

    Args:
        url: Base URL of the server (``http://127.0.0.1:5280``).
        token: Bearer token, if the server requires one.
        http: An existing httpx client (tests pass FastAPI's TestClient); default: a new one.
        timeout: Seconds per request.
    """

    same_machine = False

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        http: httpx.Client | None = None,
        timeout: float = 60.0,
    ) -> None:
        headers = {"User-Agent": f"basalt/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = http or httpx.Client(base_url=url, timeout=timeout)
        self._http.headers.update(headers)
        self._checked = False

    def call(
        self,
        op: Operation,
        params: dict[str, str],
        *,
        query: dict[str, Any] | None = None,
        body: BaseModel | None = None,
    ) -> Any:
        """Run ``op`` over HTTP and decode its response."""
        content = body.model_dump_json(exclude_unset=True) if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        resp = self._send(op.method, op.url(params), clean_query(query), content, headers)
        if op.response is None or resp.status_code == 204:
            return None
        return op.response.validate_json(resp.content)

    def upload(self, op: Operation, params: dict[str, str], source: Path | BinaryIO) -> Any:
        """Stream a file as the request body (never read whole into memory)."""
        if isinstance(source, Path):
            with source.open("rb") as fh:
                resp = self._send(op.method, op.url(params), {}, _chunks(fh), {})
        else:
            resp = self._send(op.method, op.url(params), {}, _chunks(source), {})
        return op.response.validate_json(resp.content) if op.response else None

    def download(self, op: Operation, params: dict[str, str], dest: BinaryIO) -> None:
        """Stream a response body into ``dest``."""
        with self._http.stream(op.method, op.url(params)) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise self._error(resp)
            for chunk in resp.iter_bytes(CHUNK):
                dest.write(chunk)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _send(
        self, method: str, url: str, query: dict[str, Any], content: Any, headers: dict[str, str]
    ) -> httpx.Response:
        retryable = isinstance(content, (str, bytes)) or content is None
        delay = 0.2
        for attempt in range(RETRIES + 1):
            try:
                resp = self._http.request(
                    method, url, params=query, content=content, headers=headers
                )
            except httpx.TransportError as exc:
                if attempt >= CONNECT_RETRIES or not retryable:
                    raise UnavailableError(
                        f"Cannot reach the Basalt server at {self._http.base_url}: {exc}; "
                        "is 'basalt server start' running?"
                    ) from exc
            else:
                self._check_version(resp)
                if resp.status_code < 400:
                    return resp
                error = self._error(resp)
                if not isinstance(error, UnavailableError) or attempt == RETRIES or not retryable:
                    raise error
            logger.debug("retrying %s %s in %.1fs", method, url, delay)
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_version(self, resp: httpx.Response) -> None:
        if self._checked:
            return
        version = resp.headers.get(VERSION_HEADER)
        if version is not None and int(version) < API_VERSION:
            raise IncompatibleServerError(
                f"The server speaks API version {version}; this client needs {API_VERSION}. "
                "Upgrade the server."
            )
        self._checked = version is not None

    @staticmethod
    def _error(resp: httpx.Response) -> BasaltError:
        try:
            payload = resp.json()
        except ValueError:
            payload = {}
        err = BasaltError.from_envelope(payload, resp.status_code)
        if not payload:
            err.message = f"Server answered {resp.status_code}: {resp.text[:200]}"
        return err


def _chunks(fh: BinaryIO) -> Any:
    while chunk := fh.read(CHUNK):
        yield chunk
