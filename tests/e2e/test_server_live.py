"""``basalt server start`` as a team would run it: HTTP, the SDK and the CLI against it."""

from __future__ import annotations

import re
import subprocess

import httpx
import pytest

import basalt as basalt_sdk
from basalt.errors import NotFoundError
from basalt.spec.runs import LogBatch, MetricPoint, RunCreate

API = "/api/v1/workspaces/default"


@pytest.fixture(scope="module")
def server_runs(e2e, live_server, tmp_path_factory):
    """The training script run against the live server (BASALT_URL), from an empty folder."""
    cwd = tmp_path_factory.mktemp("script")
    return e2e.run_python(
        e2e.TRAIN_SCRIPT, cwd=cwd, env=e2e.user_env(BASALT_URL=live_server.url)
    ).split()


def test_health_and_openapi(live_server):
    health = httpx.get(f"{live_server.url}/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    paths = httpx.get(f"{live_server.url}/openapi.json").json()["paths"]
    assert "/api/v1/workspaces" in paths
    assert "/api/v1/workspaces/{workspace}/runs/search" in paths
    assert "/api/v1/workspaces/{workspace}/runs/{name}/metrics/{key}" in paths


def test_a_body_of_the_wrong_type_is_422_with_the_error_envelope(live_server):
    resp = httpx.post(f"{live_server.url}{API}/runs/search", json={"max_results": "abc"})
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "invalid_argument"
    assert "max_results" in error["message"]
    assert error["details"]["field"] == "max_results"
    assert resp.headers["X-Request-Id"] == error["request_id"]


def test_unknown_run_and_workspace_are_404_not_found(live_server):
    run = httpx.get(f"{live_server.url}{API}/runs/nope")
    workspace = httpx.get(f"{live_server.url}/api/v1/workspaces/ghost/runs/nope")
    for resp, needle in ((run, "Run 'nope'"), (workspace, "Workspace 'ghost'")):
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "not_found"
        assert needle in resp.json()["error"]["message"]


def test_sdk_client_logs_and_reads_back(live_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no workspace here: everything goes through the server
    src = tmp_path / "weights.bin"
    src.write_bytes(b"\x00\x01" * 512)
    with basalt_sdk.Client(url=live_server.url) as client:
        run = client.jobs.create_run(RunCreate(experiment_name="sdk", params={"seed": "7"}))
        points = [MetricPoint(key="loss", value=1 / (i + 1), step=i, timestamp=i) for i in range(5)]
        client.jobs.log_batch(run.name, LogBatch(metrics=points, tags={"team": "e2e"}))
        client.jobs.upload_file(run.name, src, "model/weights.bin")
        client.jobs.set_status(run.name, "Completed")

        got = client.jobs.get(run.name)
        assert (got.status, got.params, got.tags) == ("Completed", {"seed": "7"}, {"team": "e2e"})
        assert got.metrics == {"loss": 0.2}
        assert client.jobs.get_metric_history(run.name, "loss").steps == [0, 1, 2, 3, 4]
        [written] = client.jobs.download(run.name, tmp_path / "down")
        assert written.read_bytes() == src.read_bytes()
        with pytest.raises(NotFoundError, match="nope"):
            client.jobs.get("nope")
    # ... and the file really is in the workspace's artifact folder on the server side.
    stored = list((live_server.workspace / ".basalt" / "artifacts").rglob("weights.bin"))
    assert len(stored) == 1


def test_cli_against_the_server(e2e, live_server, server_runs, tmp_path):
    url = ["--url", live_server.url]
    listed, shown, _ = e2e.in_parallel(
        lambda: e2e.basalt(
            *url, "job", "list", "--experiment", "cifar", "-o", "json", cwd=tmp_path
        ),
        lambda: e2e.basalt(*url, "-o", "json", "job", "show", server_runs[0], cwd=tmp_path),
        lambda: e2e.basalt(*url, "job", "download", server_runs[0], "-p", tmp_path, cwd=tmp_path),
    )
    assert [r["name"] for r in listed.json()] == [server_runs[1]]
    assert shown.json()["params"] == {"lr": "0.1"}
    assert (tmp_path / server_runs[0] / "outputs" / "model.txt").read_text() == "weights"


def test_cli_workspaces_on_the_server(e2e, live_server, tmp_path):
    url = ["--url", live_server.url]
    created = e2e.basalt(
        *url, "workspace", "create", "vision", "--description", "Team V", cwd=tmp_path
    )
    assert created.stdout.strip() == "Created workspace 'vision'"
    shown, listed, empty = e2e.in_parallel(
        lambda: e2e.basalt(*url, "workspace", "show", "-n", "vision", "-o", "json", cwd=tmp_path),
        lambda: e2e.basalt(*url, "-o", "json", "workspace", "list", cwd=tmp_path),
        lambda: e2e.basalt(*url, "--workspace-name", "vision", "job", "list", cwd=tmp_path),
    )
    assert shown.json()["description"] == "Team V"
    assert [w["name"] for w in listed.json()] == ["default", "vision"]
    assert empty.stdout.strip() == "No runs yet: log one with basalt.start_run() in a script."


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["job", "show", "nope"], ["Run 'nope' not found in workspace 'default'"]),
        (["--workspace-name", "ghost", "job", "list"], ["Workspace 'ghost' not found"]),
        (["job", "list", "--filter", "metrics.loss <"], ["position 14"]),
    ],
    ids=["unknown-run", "unknown-workspace", "bad-filter"],
)
def test_cli_errors_from_the_server_are_one_line(e2e, live_server, tmp_path, args, needles):
    result = e2e.basalt("--url", live_server.url, *args, cwd=tmp_path, expect=None)
    e2e.assert_one_error_line(result, *needles)


def test_port_0_picks_a_free_port_and_says_which(e2e, tmp_path):
    e2e.basalt("init", cwd=tmp_path)
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [str(e2e.BASALT), "server", "start", "--port", "0"],
            cwd=tmp_path,
            env=e2e.user_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        banner = re.compile(r"Basalt server on (http://127\.0\.0\.1:(\d+)) \(store sqlite:///")
        e2e.wait_for(lambda: banner.search(log.read_text()) is not None, 30, "the server's banner")
        match = banner.search(log.read_text())
        assert match is not None
        assert int(match.group(2)) != 0
        assert httpx.get(f"{match.group(1)}/healthz", timeout=10).status_code == 200
    finally:
        e2e.stop_server(proc)


@pytest.mark.postgres
def test_server_on_postgresql_works_the_same(e2e, live_pg_server, tmp_path):
    url = live_pg_server.url
    names = e2e.run_python(e2e.TRAIN_SCRIPT, cwd=tmp_path, env=e2e.user_env(BASALT_URL=url)).split()
    listed = e2e.basalt("--url", url, "job", "list", "-o", "json", cwd=tmp_path).json()
    assert [r["name"] for r in listed] == names[::-1]
    assert listed[0]["metrics"] == {"accuracy": 0.9, "loss": 0.1}
    assert listed[1]["metrics"]["grad_norm"] == "NaN"
    assert live_pg_server.artifacts is not None
    assert len(list(live_pg_server.artifacts.rglob("model.txt"))) == 2
    assert "store postgresql+psycopg://" in live_pg_server.output()
    missing = e2e.basalt("--url", url, "job", "show", "nope", cwd=tmp_path, expect=None)
    e2e.assert_one_error_line(missing, "Run 'nope' not found")
