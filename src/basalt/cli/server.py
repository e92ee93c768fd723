"""``basalt server start``: the REST API (and later the studio) for a team."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit, urlunsplit

import typer

from basalt.cli.context import ctx_of
from basalt.cli.output import say
from basalt.config import Settings, load_settings
from basalt.errors import InvalidArgumentError, NotFoundError, UnavailableError
from basalt.logging import configure_logging

app = typer.Typer(help="Run the Basalt server.", no_args_is_help=True)


@app.command("start")
def start(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", min=0, max=65535, help="Port (default 5280; 0 picks a free one)."
    ),
    store: str | None = typer.Option(
        None, "--store", help="Store URL, e.g. postgresql+psycopg://user@host/db."
    ),
    artifacts: str | None = typer.Option(
        None, "--artifacts", help="Artifact root: a folder or s3://bucket/prefix."
    ),
) -> None:
    """Serve the REST API at /api/v1 (OpenAPI at /openapi.json, health at /healthz).

    Without --store it serves the workspace found from here (like every other command).

    Example: basalt server start --port 5280 --store postgresql+psycopg://basalt@db/basalt
    --artifacts s3://ml-artifacts/basalt
    """
    overrides: dict[str, dict[str, object]] = {"server": {}}
    if host:
        overrides["server"]["host"] = host
    if port is not None:
        overrides["server"]["port"] = port
    if store:
        overrides["store"] = {"url": store}
    if artifacts:
        overrides["artifacts"] = {"url": artifacts}
    settings = load_settings(ctx_of(ctx).workspace, **overrides)
    _check_sources(settings)
    configure_logging(settings.logging)
    # NOTE: bind before building the app, so a busy port fails fast and --port 0 can report
    # the port it got; uvicorn then serves on this very socket.
    sock = _bind(settings.server.host, settings.server.port)
    import uvicorn

    from basalt.daemons.scheduler import SchedulerLoop
    from basalt.server.app import create_app
    from basalt.services.container import Services

    services = Services(settings)
    app_ = create_app(settings, services=services)
    scheduler = SchedulerLoop(services, settings.compute.scheduler_interval)
    bound_port = sock.getsockname()[1]
    shown_host = (
        f"[{settings.server.host}]" if ":" in settings.server.host else settings.server.host
    )
    say(
        f"Basalt server on http://{shown_host}:{bound_port} "
        f"(store {_safe(settings.store_url())}, artifacts {_safe(settings.artifacts_url())})"
    )
    config = uvicorn.Config(app_, log_level="warning", access_log=False)
    scheduler.start()  # starts queued jobs and notices dead runners; jobs run on this machine
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        scheduler.stop()
        services.close()


def _check_sources(settings: Settings) -> None:
    """Refuse, in one line, to start without a store or an artifact root."""
    if settings.workspace is not None:
        return
    if not settings.store.url:
        raise NotFoundError(
            "No Basalt workspace here or in any parent folder, and no --store; run "
            "'basalt init' first, or pass --store URL and --artifacts URL"
        )
    if not settings.artifacts.url:
        raise InvalidArgumentError(
            "No artifact root: pass --artifacts (a folder or s3://bucket/prefix), or start "
            "the server inside a workspace",
            details={"field": "artifacts"},
        )


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise UnavailableError(
            f"Cannot listen on {host}:{port}: {os.strerror(exc.errno) if exc.errno else exc}; "
            "pick another --port (0 picks a free one)"
        ) from exc
    # NOTE: create_server leaves the protocol at 0, and asyncio then skips TCP_NODELAY on
    # accepted connections: every kept-alive request would wait ~40 ms for a delayed ACK.
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def _safe(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
