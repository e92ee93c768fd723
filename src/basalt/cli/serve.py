"""``basalt serve``: the scoring gateway and deployment supervisor of an embedded workspace.

Runs in the foreground on 127.0.0.1 with no login (like ``basalt server start --auth none``;
endpoint keys are still checked), and records itself in ``.basalt/serve.json`` so that
``ensure_serving`` (``basalt.serving.host``) finds it. Creating a deployment or invoking an
endpoint in an embedded workspace starts it detached when it is not running.

Like ``server.py`` this module wires the server and the daemons, so it may import them.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

import typer

from basalt.cli.context import ctx_of
from basalt.cli.output import say
from basalt.config import load_settings
from basalt.logging import configure_logging

if TYPE_CHECKING:
    from basalt.daemons.deployments import DeploymentSupervisor
    from basalt.daemons.serving_flush import ServingFlusher
    from basalt.services.container import Services
    from basalt.serving.routing import RoutingTable


class ServingLoops:
    """The threads behind a gateway: the deployment supervisor and the telemetry flusher."""

    def __init__(self, supervisor: DeploymentSupervisor, flusher: ServingFlusher) -> None:
        self.supervisor = supervisor
        self.flusher = flusher

    def stop(self) -> None:
        """Stop the workers, then store the last counts and collected records."""
        self.supervisor.stop()
        self.flusher.stop()


def attach_invoker(services: Services, url: str) -> None:
    """Let ``invoke`` (and ``scoring_uri``) of these services reach the gateway at ``url``."""
    from basalt.serving.host import HttpInvoker

    endpoints = services.endpoints
    endpoints.invoker = HttpInvoker(
        lambda: url,
        lambda ws, name: endpoints.get_credentials(ws, name).primary_key.get_secret_value(),
    )
    endpoints.scoring_base = lambda: url
    # NOTE: this process supervises the deployments itself; an embedded workspace's hook that
    # starts a detached `basalt serve` on deploy would run every deployment's workers twice.
    endpoints.on_deploy = None


def start_serving(
    services: Services, routing: RoutingTable, url: str, *, remote_gateways: bool = False
) -> ServingLoops:
    """Start the deployment supervisor and telemetry flusher; ``invoke`` reaches ``url``.

    Args:
        services: The process's services.
        routing: The table the supervisor writes and the app's gateway reads.
        url: The loopback base URL this process serves on.
        remote_gateways: The gateways are other processes' (``--workers N``).

    Returns:
        The started loops (stop them when the server stops).
    """
    from basalt.daemons.deployments import DeploymentSupervisor
    from basalt.daemons.serving_flush import ServingFlusher

    attach_invoker(services, url)
    supervisor = DeploymentSupervisor(
        services.deployments,
        routing,
        services.settings.envs_dir(),
        remote_gateways=remote_gateways,
    )
    supervisor.start()
    flusher = ServingFlusher(routing, services.deployment_metrics, services.data_collection)
    flusher.start()
    return ServingLoops(supervisor, flusher)


def serve(
    ctx: typer.Context,
    port: int = typer.Option(
        0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (default 0: a free one)."
    ),
    stop: bool = typer.Option(
        False, "--stop", help="Stop the background serve host of this workspace, and exit."
    ),
    status: bool = typer.Option(
        False, "--status", help="Say whether a serve host runs for this workspace, and exit."
    ),
) -> None:
    """Serve this workspace's online endpoints at http://127.0.0.1:PORT/endpoints/NAME/score.

    Runs until Ctrl-C. 'basalt online-deployment create' and 'basalt online-endpoint invoke'
    start it in the background when it is not running (its pid and port are in
    .basalt/serve.json, its output in .basalt/serve.log).

    Example: basalt serve --port 5290   |   basalt serve --status   |   basalt serve --stop
    """
    from basalt.cli.server import _bind, _check_sources
    from basalt.serving.host import (
        remove_serve_file,
        running,
        serve_file,
        stop_serving,
        write_serve_file,
    )

    settings = load_settings(
        ctx_of(ctx).workspace, server={"host": "127.0.0.1", "port": port, "auth": "none"}
    )
    if stop or status:
        info = running(settings)
        if info is None:
            say("No serve host runs for this workspace.")
        elif status:
            say(f"Serving endpoints on {info.url} (pid {info.pid}).")
        else:
            stop_serving(settings)
            say(f"Stopped the serve host on {info.url} (pid {info.pid}).")
        return
    _check_sources(settings)
    path = serve_file(settings)
    configure_logging(settings.logging)
    sock = _bind("127.0.0.1", port)
    import uvicorn

    from basalt.server.app import create_app
    from basalt.services.container import Services
    from basalt.serving.routing import RoutingTable

    services = Services(settings)
    routing = RoutingTable()
    bound = sock.getsockname()[1]
    url = f"http://127.0.0.1:{bound}"
    loops = start_serving(services, routing, url)
    app = create_app(settings, services=services, routing=routing)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    # NOTE: uvicorn re-raises the signal that stopped it once it has shut down; SIGTERM's
    # default action would end the process before the cleanup below, so it exits instead.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    write_serve_file(path, bound)
    threading.Thread(
        target=_watch, args=(path, server), name="basalt-serve-watch", daemon=True
    ).start()
    say(f"Serving endpoints on {url} (workspace {settings.workspace}); Ctrl-C stops")
    try:
        server.run(sockets=[sock])
    finally:
        remove_serve_file(path)
        loops.stop()
        services.close()


def _watch(path: Path, server: object) -> None:
    """Stop when the workspace folder is deleted or ``serve.json`` names another process."""
    from basalt.serving.host import read_serve_file

    while True:
        time.sleep(2.0)
        info = read_serve_file(path)
        if not path.parent.is_dir() or (info is not None and info.pid != os.getpid()):
            server.should_exit = True  # type: ignore[attr-defined]
            return


def _exit_on_signal(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(0)
