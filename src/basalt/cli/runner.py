"""``python -m basalt.cli.runner WORKSPACE RUN [JOB_DIR]``: the detached process of one job.

With a launch plan in JOB_DIR (written by the scheduler when preparing was quick) it starts the
command first, importing only the standard library and ``basalt.compute.local``, and loads the
store afterwards.

It lives with the CLI because it wires the two halves the layers keep apart: the job runner
(``daemons/``) and the in-job API it serves on a loopback port (``server/``), so the user's
process logs over HTTP and never opens the store.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from basalt.compute.local import Started
    from basalt.services.container import Services


def _serve_api(services: Services) -> Callable[[socket.socket], Callable[[], None]]:
    def serve(sock: socket.socket) -> Callable[[], None]:
        holder: dict[str, object] = {}
        stopping = threading.Event()

        def run() -> None:
            # NOTE: the app is built in this thread, so the job's command is already running
            # (and the runner watching it) while FastAPI is imported; a request sent before
            # the app is up waits in the socket's backlog.
            import uvicorn

            from basalt.server.app import create_app

            # NOTE: no authentication on the in-job API: it listens on loopback for this one
            # job, whose code already runs as the server's user with the store's settings in
            # its environment, so a token would protect nothing that code cannot reach.
            settings = services.settings
            server_settings = settings.server.model_copy(update={"auth": "none"})
            app = create_app(
                settings.model_copy(update={"server": server_settings}), services=services
            )
            server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
            holder["server"] = server
            if not stopping.is_set():
                server.run(sockets=[sock])

        thread = threading.Thread(target=run, name="basalt-job-api", daemon=True)
        thread.start()

        def stop() -> None:
            stopping.set()
            server = holder.get("server")
            if server is not None:
                server.should_exit = True  # type: ignore[attr-defined]
                thread.join(timeout=10)
            sock.close()

        return stop

    return serve


def _start_prepared(job_dir: Path) -> Started | None:
    """Start a command the scheduler prepared, before the store is even imported."""
    from basalt.compute.local import read_plan, start_planned
    from basalt.spec.job_requests import LOG_PATH

    plan = read_plan(job_dir)
    if plan is None:
        return None
    return start_planned(plan["command"], Path(plan["cwd"]), plan["env"], job_dir / LOG_PATH)


def main(argv: list[str]) -> int:
    """Run the job named in ``argv``; then start whatever the freed slot allows.

    A sweep's parent (property ``basalt.job_type=sweep``) gets the sweep runner, which
    samples and watches trials and serves no in-job API (no user code runs in it).
    """
    workspace, name, *rest = argv
    started = _start_prepared(Path(rest[0])) if rest else None
    from basalt.config import Settings
    from basalt.logging import configure_logging
    from basalt.services.container import Services
    from basalt.spec.job_requests import JOB_TYPE_PROPERTY

    settings = Settings()
    configure_logging(settings.logging)
    with Services(settings, kick=False, ensure_default=False) as services:
        run = services.runs.get_run(workspace, name)
        if run.properties.get(JOB_TYPE_PROPERTY) == "sweep":
            from basalt.daemons.sweep_runner import SweepRunner

            SweepRunner(services, workspace, name).run()
        else:
            from basalt.daemons.job_runner import JobRunner

            JobRunner(services, workspace, name, _serve_api(services), started).run()
        services.job_runs.schedule_pass()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
