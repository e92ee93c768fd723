"""Request-size limit: bodies over ``server.max_body_mb`` are refused with 413.

A declared ``Content-Length`` over the limit is refused before the body is read; a chunked
upload (no length) is counted as it streams and refused as soon as it passes the limit. The
answer is the usual error envelope (code ``invalid_argument``, HTTP 413) naming the limit.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from basalt.errors import InvalidArgumentError


class BodyTooLarge(Exception):
    """Raised into the application when a streamed body passes the limit."""


class BodyLimitMiddleware:
    """Refuses request bodies larger than ``max_bytes``.

    Args:
        app: The application to wrap.
        max_bytes: The largest body allowed.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    break
                if declared > self.max_bytes:
                    await self._refuse(scope, send)
                    return
                break
        seen = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(f"request body over {self.max_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a body we cut short is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        limit_mb = self.max_bytes / 2**20
        shown = f"{limit_mb:g} MiB" if limit_mb >= 1 else f"{self.max_bytes} bytes"
        err = InvalidArgumentError(
            f"Request body too large: the limit is {shown} (server.max_body_mb); upload big "
            "files in parts or raise the limit",
            details={"field": "body", "max_bytes": self.max_bytes},
        )
        state = scope.get("state") or {}
        body = json.dumps(err.to_envelope(state.get("request_id"))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
