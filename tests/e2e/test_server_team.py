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
        _scoring_reaches_every_worker(e2e, tmp_path, url)
    finally:
        e2e.stop_server(proc)
    assert "Traceback" not in log.read_text()


def _scoring_reaches_every_worker(e2e, root: Path, url: str) -> None:
    """Each worker process's gateway routes (the parent's table reaches it through a file)."""
    (root / "code").mkdir()
    (root / "code" / "score.py").write_text(
        "import json, os\n"
        "def init():\n    pass\n"
        "def run(raw):\n    return {'double': 2 * json.loads(raw)['x'], 'pid': os.getpid()}\n"
    )
    (root / "model").mkdir()
    (root / "model" / "weights.txt").write_text("2")
    with basalt_sdk.Client(url=url) as client:
        client.online_endpoints.create(basalt_sdk.ManagedOnlineEndpoint(name="double"))
        client.online_deployments.create(
            basalt_sdk.ManagedOnlineDeployment(
                name="blue",
                endpoint_name="double",
                model={"path": str(root / "model")},
                code_configuration=basalt_sdk.CodeConfiguration(
                    code=str(root / "code"), scoring_script="score.py"
                ),
                environment={"image": "python:3.11-slim"},
            ),
            all_traffic=True,
        )

        def ready() -> bool:
            return client.online_deployments.get("blue", "double").provisioning_state == (
                "Succeeded"
            )

        e2e.wait_for(ready, 60, "the deployment under --workers 2")
        key = client.online_endpoints.get_keys("double").primary_key.get_secret_value()
        answers = [  # a new connection each: the two processes both take some
            httpx.post(
                f"{url}/endpoints/double/score",
                json={"x": x},
                headers={"Authorization": f"Bearer {key}"},
                timeout=30,
            )
            for x in range(12)
        ]
        assert [a.status_code for a in answers] == [200] * 12, [a.text for a in answers]
        assert [a.json()["double"] for a in answers] == [2 * x for x in range(12)]
        invoked = client.online_endpoints.invoke("double", body='{"x": 21}')
        assert '"double": 42' in invoked or '"double":42' in invoked

        def counted() -> bool:
            metrics = client.online_deployments.get_metrics("blue", "double")
            return metrics.total.status_counts.get("200", 0) >= 13

        e2e.wait_for(counted, 15, "both worker processes to store their counts")
