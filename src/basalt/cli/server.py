"""``basalt server start``: the REST API and the studio for a team; ``basalt studio`` for one."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import typer

from basalt.cli.context import ctx_of
from basalt.cli.output import say
from basalt.config import Settings, load_settings, settings_env
from basalt.errors import InvalidArgumentError, NotFoundError, UnavailableError
from basalt.logging import configure_logging

app = typer.Typer(help="Run the Basalt server.", no_args_is_help=True)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
APP_FACTORY = "basalt.cli.server:worker_app"


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
    auth: str | None = typer.Option(
        None,
        "--auth",
        help="token (default): every call needs an API token; none: no login, loopback only.",
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=64, help="Server processes (default 1)."
    ),
    oidc_issuer: str | None = typer.Option(
        None,
        "--oidc-issuer",
        help="Also accept tokens of this OpenID Connect issuer (see docs/auth.md).",
    ),
    oidc_audience: str | None = typer.Option(
        None, "--oidc-audience", help="The audience (client id) OIDC tokens must carry."
    ),
) -> None:
    """Serve the REST API at /api/v1 (OpenAPI at /openapi.json, health at /healthz).

    Without --store it serves the workspace found from here (like every other command).

    On a new store with --auth token it creates the administrator 'admin' and prints its
    token once. --oidc-issuer and --oidc-audience also accept your identity provider's
    tokens (users are created on first sign-in; docs/auth.md). --workers N runs N server
    processes on one port; the job scheduler runs once, in the parent process.

    Example: basalt server start --port 5280 --store postgresql+psycopg://basalt@db/basalt
    --artifacts s3://ml-artifacts/basalt --workers 4
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
    if auth is not None:
        if auth not in ("token", "none"):
            raise InvalidArgumentError(
                f"--auth must be token or none, not {auth!r}", details={"field": "auth"}
            )
        overrides["server"]["auth"] = auth
    if workers is not None:
        overrides["server"]["workers"] = workers
    oidc_flags = {"issuer": oidc_issuer, "audience": oidc_audience}
    if any(oidc_flags.values()):
        overrides["server"]["oidc"] = {k: v for k, v in oidc_flags.items() if v}
    settings = load_settings(ctx_of(ctx).workspace, **overrides)
    run_server(settings)


def run_server(settings: Settings, *, studio_path: str = "/") -> None:
    """Check ``settings``, bind, print where everything is, and serve until interrupted.

    Args:
        settings: Effective settings (server, store, artifacts).
        studio_path: The studio page to print a link to (``basalt studio`` names the
            workspace's home).
    """
    _check_sources(settings)
    _check_auth(settings)
    configure_logging(settings.logging)
    # NOTE: bind before building the app, so a busy port fails fast and --port 0 can report
    # the port it got; uvicorn then serves on this very socket.
    sock = _bind(settings.server.host, settings.server.port)
    import uvicorn

    from basalt.cli.serve import start_serving
    from basalt.daemons.scheduler import SchedulerLoop
    from basalt.daemons.webhooks import WebhookLoop
    from basalt.server import studio
    from basalt.server.app import create_app
    from basalt.services.container import Services
    from basalt.serving.routing import RoutingTable

    services = Services(settings)
    routing = RoutingTable()
    admin_token = _ensure_admin(services) if settings.server.auth == "token" else None
    scheduler = SchedulerLoop(services, settings.compute.scheduler_interval)
    webhooks = WebhookLoop(services)
    bound_port = sock.getsockname()[1]
    shown_host = (
        f"[{settings.server.host}]" if ":" in settings.server.host else settings.server.host
    )
    base_url = f"http://{shown_host}:{bound_port}"
    say(
        f"Basalt server on {base_url} "
        f"(store {_safe(settings.store_url())}, artifacts {_safe(settings.artifacts_url())})"
    )
    if studio.is_built():
        say(f"Studio: {base_url}{studio_path}")
    else:
        say(f"Studio not built ({base_url}/ says how): run 'make setup' in a Basalt checkout")
    oidc = settings.server.oidc
    if oidc.enabled and settings.server.auth == "token":
        say(f"Also accepting OIDC tokens of {oidc.issuer} for audience {oidc.audience}")
    if admin_token is not None:
        say(f"Administrator token (shown once): {admin_token}")
        say(
            f"Sign in with: basalt login --url {base_url} --token "
            "(and paste the token when asked); the studio asks for it too"
        )
    n_workers = settings.server.workers
    if n_workers > 1:
        # NOTE: workers are spawned processes that import the app by name and rebuild
        # Settings from BASALT_* variables; the scheduler loop stays in this one process
        # (claims are atomic, so a kick from a worker's submission is safe too).
        os.environ.update(_worker_env(settings, bound_port))  # noqa: TID251 - for the workers
        from basalt.serving.route_file import RouteFileWriter

        # NOTE: the supervisor (below) runs here; the workers' gateways follow its table
        # through this file (serving/route_file.py).
        routing.on_change = RouteFileWriter(route_file(settings, bound_port))
        routing.on_change(routing)
        config = uvicorn.Config(
            APP_FACTORY, factory=True, workers=n_workers, log_level="warning", access_log=False
        )
    else:
        config = uvicorn.Config(
            create_app(settings, services=services, routing=routing),
            log_level="warning",
            access_log=False,
        )
    scheduler.start()  # starts queued jobs and notices dead runners; jobs run on this machine
    webhooks.start()  # sends registry events to webhooks, retrying with backoff
    # NOTE: endpoints' workers run on this machine; their gateway is this process's app, or
    # with --workers N > 1 each worker process's app.
    loops = start_serving(
        services,
        routing,
        _loopback_url(settings.server.host, bound_port),
        remote_gateways=n_workers > 1,
    )
    try:
        if n_workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        loops.stop()
        webhooks.stop()
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


def _check_auth(settings: Settings) -> None:
    """Refuse ``--auth none`` on anything but a loopback address, and half an OIDC setup."""
    oidc = settings.server.oidc
    if bool(oidc.issuer) != bool(oidc.audience):
        missing = "issuer" if oidc.audience else "audience"
        raise InvalidArgumentError(
            f"OIDC sign-in needs both an issuer and an audience; pass --oidc-{missing} "
            f"(or set BASALT_SERVER__OIDC__{missing.upper()})",
            details={"field": f"server.oidc.{missing}"},
        )
    host = settings.server.host.strip("[]")
    if settings.server.auth == "none" and host not in LOOPBACK_HOSTS:
        raise InvalidArgumentError(
            f"--auth none is only allowed on a loopback address (127.0.0.1, ::1, localhost), "
            f"not {settings.server.host}; use --auth token to serve a team",
            details={"field": "auth"},
        )


def _ensure_admin(services: object) -> str | None:
    """On a store with no users, create the first administrator; its token's secret, once."""
    identity = getattr(services, "identity", None)
    ensure = getattr(identity, "ensure_admin", None)
    if ensure is None:
        return None
    created = ensure()
    if created is None:
        return None
    return str(created.secret.get_secret_value())


def route_file(settings: Settings, port: int) -> Path:
    """Where a ``--workers N`` server shares its routing table with its worker processes."""
    from basalt.serving.route_file import ROUTE_FILE

    return settings.deployments_dir() / f"{port}-{ROUTE_FILE}"


def worker_app() -> Any:
    """One worker process of ``basalt server start --workers N`` (uvicorn's app factory).

    Settings come from the ``BASALT_*`` variables the parent set. Besides the API, the
    worker's gateway follows the parent's routing table (``route_file``), stores what it
    counts and collects (``ServingFlusher``), and ``invoke`` goes through the server's port.
    """
    import atexit

    from basalt.cli.serve import attach_invoker
    from basalt.daemons.serving_flush import ServingFlusher
    from basalt.server.app import create_app
    from basalt.services.container import Services
    from basalt.serving.route_file import follow
    from basalt.serving.routing import RoutingTable

    settings = load_settings()
    services = Services(settings)
    routing = RoutingTable()
    port = settings.server.port
    follow(routing, route_file(settings, port))
    attach_invoker(services, _loopback_url(settings.server.host, port))
    flusher = ServingFlusher(routing, services.deployment_metrics, services.data_collection)
    flusher.start()
    atexit.register(flusher.stop)
    return create_app(settings, services=services, routing=routing)


def _worker_env(settings: Settings, port: int) -> dict[str, str]:
    """The BASALT_* variables from which each worker rebuilds these settings."""
    env = settings_env(settings)
    server = settings.server
    env.update(
        {
            "BASALT_SERVER__HOST": server.host,
            "BASALT_SERVER__PORT": str(port),
            "BASALT_SERVER__AUTH": server.auth,
            "BASALT_SERVER__MAX_BODY_MB": str(server.max_body_mb),
            "BASALT_SERVER__WORKERS": str(server.workers),
            "BASALT_STORE__POOL_SIZE": str(settings.store.pool_size),
            "BASALT_LOGGING__FORMAT": settings.logging.format,
        }
    )
    for field, value in server.oidc.model_dump(exclude_defaults=True).items():
        env[f"BASALT_SERVER__OIDC__{field.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    if settings.vault.key is not None:
        env["BASALT_VAULT__KEY"] = settings.vault.key.get_secret_value()
    return env


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


def _loopback_url(host: str, port: int) -> str:
    """This server's URL as seen from this machine (for ``invoke``)."""
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::", "localhost"):  # noqa: S104 - reading, not binding
        host = "::1" if host == "::" else "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _safe(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
