"""``basalt server start``: the REST API (and later the studio) for a team."""

from __future__ import annotations

import typer

from basalt.cli.context import ctx_of
from basalt.cli.output import say
from basalt.config import load_settings
from basalt.logging import configure_logging

app = typer.Typer(help="Run the Basalt server.", no_args_is_help=True)


@app.command("start")
def start(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", help="Port (default 5280; 0 picks a free one)."
    ),
    store: str | None = typer.Option(
        None, "--store", help="Store URL, e.g. postgresql+psycopg://..."
    ),
    artifacts: str | None = typer.Option(
        None, "--artifacts", help="Artifact root: folder or s3://..."
    ),
) -> None:
    """Serve the REST API at /api/v1 (OpenAPI at /openapi.json, health at /healthz)."""
    import uvicorn

    from basalt.server.app import create_app

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
    configure_logging(settings.logging)
    app_ = create_app(settings)
    say(
        f"Basalt server on http://{settings.server.host}:{settings.server.port} "
        f"(store {_safe(settings.store_url())})"
    )
    uvicorn.run(
        app_,
        host=settings.server.host,
        port=settings.server.port,
        log_level="warning",
        access_log=False,
    )


def _safe(url: str) -> str:
    """The URL without its password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
