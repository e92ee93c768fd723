"""The studio: the web UI's built files, served at ``/`` beside the API.

The UI is a single-page app built from ``web/`` into ``server/static/`` by ``make setup`` (the
build is not committed). Hashed files under ``/assets`` are cached for a year; any other GET
that no API route took answers ``index.html``, so a deep link such as
``/workspaces/default/jobs/NAME`` opens that view. Paths of the API, MLflow's API, scoring and
``/metrics`` are never answered with the page: an unknown one there stays a 404 envelope.

Static files carry no data, so they need no token; the page signs in against the API itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
"""Where ``make setup`` builds the UI (``web/`` → ``npm run build``)."""

RESERVED_PREFIXES = (
    "/api/",
    "/ajax-api/",
    "/mlflow/",
    "/endpoints/",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/healthz",
    "/health",
    "/version",
    "/assets/",
)
"""Paths that belong to the API (or to the build's own files): never answered with the page."""

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Basalt studio: not built</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:44rem;margin:4rem auto;color:#222}
code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>The studio is not built</h1>
<p>This Basalt server runs and its API answers at <code>/api/v1</code>
(<a href="/docs">API documentation</a>), but the web UI has not been built into
<code>%s</code>.</p>
<p>Build it from a checkout of Basalt (needs Node.js 20 and npm), then reload this page:</p>
<pre>make setup</pre>
<p>or by hand: <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>.</p>
</body></html>
"""


class _ImmutableAssets(StaticFiles):
    """``/assets``: content-hashed file names, so a browser may keep each one for good."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def is_built(static_dir: Path = STATIC_DIR) -> bool:
    """True when the UI's ``index.html`` is there."""
    return (static_dir / "index.html").is_file()


class _PageRoute(Route):
    """Every GET the API did not take, except under the API's own prefixes.

    NOTE: not matching there at all (rather than answering 404) leaves the router's answers
    for API paths as they were: 404 for an unknown path, 405 for a wrong method.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith(RESERVED_PREFIXES):
            return Match.NONE, {}
        return super().matches(scope)


def install(app: Starlette, static_dir: Path = STATIC_DIR) -> None:
    """Add the UI's routes to ``app``; call after every API route is registered.

    Args:
        app: The FastAPI (Starlette) application.
        static_dir: The built UI (default: the package's ``server/static``).
    """
    if (static_dir / "assets").is_dir():
        app.router.routes.append(
            Mount("/assets", app=_ImmutableAssets(directory=static_dir / "assets"))
        )
    # NOTE: a plain Starlette route (not a FastAPI one): the app-wide token check stays off the
    # page, which holds no data and signs in against the API itself.
    app.router.routes.append(
        _PageRoute("/{path:path}", _page_endpoint(static_dir), include_in_schema=False)
    )


def _page_endpoint(static_dir: Path) -> Callable[[Request], Awaitable[Response]]:
    index = static_dir / "index.html"

    async def page(request: Request) -> Response:
        path = request.url.path
        top = static_dir / path.lstrip("/")
        # Files the build puts at the top (favicon.svg, robots.txt), never outside the folder.
        if path != "/" and "/" not in path.strip("/") and top.is_file():
            return FileResponse(top)
        if not index.is_file():
            return HTMLResponse(NOT_BUILT_PAGE % static_dir)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return page
