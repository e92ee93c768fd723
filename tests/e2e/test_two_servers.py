"""Scale-out: two ``basalt server start`` processes on one PostgreSQL store and one artifact root.

Fifty tiny jobs are submitted alternately to both servers; one server is killed with SIGKILL
after twenty submissions (its runners are detached, so the jobs it started go on) and the rest
go to the survivor. Every job must end Completed and run exactly once: each job appends its
run name to one shared file.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

import basalt as basalt_sdk

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

JOBS = 50
KILL_AFTER = 20
TIMEOUT_S = 240.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(e2e, pg_url: str, artifacts: Path, cwd: Path, env: dict[str, str], log: Path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(e2e.BASALT), "server", "start", "--auth", "none", "--port", str(port)]
            + ["--store", pg_url, "--artifacts", str(artifacts)],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def healthy() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}: {log.read_text()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    e2e.wait_for(healthy, 60, f"basalt server on {url}")
    return proc, url


def test_two_servers_share_one_store_and_survive_a_kill(e2e, pg_url, tmp_path, monkeypatch):
    cwd = tmp_path / "nowhere"
    cwd.mkdir()
    artifacts = tmp_path / "artifacts"
    shared = tmp_path / "ran.txt"
    shared.touch()
    env = e2e.user_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    monkeypatch.chdir(cwd)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        first, url_a = _start(e2e, pg_url, artifacts, cwd, env, tmp_path / "a.log")
        procs.append(first)
        second, url_b = _start(e2e, pg_url, artifacts, cwd, env, tmp_path / "b.log")
        procs.append(second)
        client_a = basalt_sdk.Client(url=url_a)
        client_b = basalt_sdk.Client(url=url_b)
        client_a.compute.update("local", max_concurrent_jobs=4)

        job = basalt_sdk.command(
            command=f'echo "$BASALT_RUN_NAME" >> {shared}',
            environment={"image": "python:3.11-slim"},
            experiment_name="scale-out",
        )
        names: list[str] = []
        started = time.monotonic()
        for i in range(JOBS):
            if i == KILL_AFTER:
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=10)
            client = client_a if i % 2 == 0 and i < KILL_AFTER else client_b
            names.append(client.jobs.create_or_update(job).name)
        submitted = time.monotonic() - started

        def all_done() -> bool:
            runs = [client_b.jobs.get(name) for name in names]
            failed = [r for r in runs if r.status in ("Failed", "Canceled")]
            assert not failed, [(r.name, r.status, r.error) for r in failed]
            return all(r.status == "Completed" for r in runs)

        e2e.wait_for(all_done, TIMEOUT_S, f"{JOBS} jobs to complete")
        wall = time.monotonic() - started
        client_a.close()
        client_b.close()

        counts = Counter(shared.read_text().split())
        assert set(counts) == set(names)
        assert all(n == 1 for n in counts.values()), counts.most_common(3)
        print(
            f"\ntwo servers, one PostgreSQL store: {JOBS} jobs (server A killed after "
            f"{KILL_AFTER} submissions), submitted in {submitted:.1f}s, all Completed in "
            f"{wall:.1f}s = {JOBS / wall * 60:.0f} jobs/min, each ran exactly once"
        )
    finally:
        for proc in procs:
            if proc.poll() is None:
                e2e.stop_server(proc)
