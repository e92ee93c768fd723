"""``basalt server start`` for a team: --auth, the first administrator, --workers, the audit CLI."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

import basalt as basalt_sdk


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(e2e, cwd: Path, *args: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = cwd / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(e2e.BASALT), "server", "start", "--port", str(port), *args],
            cwd=cwd,
            env=e2e.user_env(),
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

    try:
        e2e.wait_for(healthy, 60, f"basalt server on {url}")
    except BaseException:
        e2e.stop_server(proc)
        raise
    return proc, url, log


def test_auth_none_is_refused_off_loopback(e2e, tmp_path):
    e2e.basalt("init", cwd=tmp_path)
    result = e2e.basalt(
        "server", "start", "--auth", "none", "--host", "0.0.0.0", cwd=tmp_path, expect=None
    )
    e2e.assert_one_error_line(result, "--auth none", "loopback", "0.0.0.0")


def test_a_new_store_prints_the_administrator_token_once(e2e, tmp_path):
    e2e.basalt("init", cwd=tmp_path)
    proc, url, log = _serve(e2e, tmp_path)
    e2e.stop_server(proc)
    first = log.read_text()
    found = re.search(r"Administrator token \(shown once\): (\S+)", first)
    assert found, first
    assert found.group(1).startswith("bas_")
    assert f"basalt login --url {url} --token (and paste the token" in first
    proc, _, log = _serve(e2e, tmp_path)  # same store: the administrator exists already
    e2e.stop_server(proc)
    assert "Administrator token" not in log.read_text()


def test_workers_serve_one_port_and_jobs_run_once(e2e, tmp_path, monkeypatch):
    e2e.basalt("init", cwd=tmp_path)
    proc, url, log = _serve(e2e, tmp_path, "--auth", "none", "--workers", "2")
    shared = tmp_path / "ran.txt"
    try:
        monkeypatch.chdir(tmp_path)
        with basalt_sdk.Client(url=url) as client:
            job = basalt_sdk.command(command=f'echo "$BASALT_RUN_NAME" >> {shared}')
            names = [client.jobs.create_or_update(job).name for _ in range(3)]

            def done() -> bool:
                return all(client.jobs.get(n).status == "Completed" for n in names)

            e2e.wait_for(done, 90, "3 jobs to complete under --workers 2")
        assert sorted(shared.read_text().split()) == sorted(names)
        listed = e2e.basalt(
            "--url",
            url,
            "audit",
            "list",
            "--since",
            "1h",
            "--operation",
            "jobs.create",
            "-o",
            "json",
            cwd=tmp_path,
        ).json()
        assert sorted(e["target"] or "" for e in listed) == [""] * 3
        assert {e["principal"] for e in listed} == {"local"}
        table = e2e.basalt("--url", url, "audit", "list", "-m", "1", cwd=tmp_path).stdout
        assert "jobs.create" in table or "OPERATION" in table
    finally:
        e2e.stop_server(proc)
    assert "Traceback" not in log.read_text()
