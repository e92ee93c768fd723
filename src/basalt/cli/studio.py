"""``basalt studio``: the web UI on this workspace, for one person on this machine.

It is ``basalt server start --auth none`` on 127.0.0.1 (the API, the job scheduler and the
endpoints' gateway included), which prints the studio's address. For a team, run ``basalt
server start`` (tokens on) and open its address instead.
"""

from __future__ import annotations

import socket
import threading
import webbrowser

import typer

from basalt.cli.context import ctx_of
from basalt.cli.output import say
from basalt.cli.server import run_server
from basalt.config import DEFAULT_WORKSPACE_NAME, load_settings

DEFAULT_PORT = 5280


def studio(
    ctx: typer.Context,
    port: int | None = typer.Option(
        None,
        "--port",
        min=0,
        max=65535,
        help=f"Port (default {DEFAULT_PORT}, or a free one when that is taken).",
    ),
    open_browser: bool = typer.Option(
        False, "--open", help="Also open the studio in this machine's web browser."
    ),
) -> None:
    """Open the studio (the web UI) on this workspace: serves it on 127.0.0.1 and prints its URL.

    No sign-in: the address is on this machine only. Stop it with Ctrl+C.

    Example: basalt studio --open
    """
    chosen = port if port is not None else _default_port()
    if port is None and chosen != DEFAULT_PORT:
        say(f"Port {DEFAULT_PORT} is taken; using a free one")
    settings = load_settings(
        ctx_of(ctx).workspace, server={"host": "127.0.0.1", "port": chosen, "auth": "none"}
    )
    path = f"/workspaces/{DEFAULT_WORKSPACE_NAME}"
    if open_browser and chosen:
        url = f"http://127.0.0.1:{chosen}{path}"
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    run_server(settings, studio_path=path)


def _default_port() -> int:
    """The default port when it is free, else 0 (the system picks one)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", DEFAULT_PORT))
        except OSError:
            return 0
    return DEFAULT_PORT
