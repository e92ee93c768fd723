"""mlflow's artifact calls go through Basalt's proxied artifact API to the run's own files."""

from __future__ import annotations

import httpx
import pytest

ALL_BYTES = bytes(range(256)) * 4099  # a binary file just over a MiB


def test_log_list_and_download_round_trip(mlflow, mlflow_client, basalt_server, tmp_path):
    data = tmp_path / "model.bin"
    data.write_bytes(ALL_BYTES)
    folder = tmp_path / "plots"
    (folder / "deep").mkdir(parents=True)
    (folder / "loss.csv").write_text("step,loss\n0,1.0\n")
    (folder / "deep" / "acc.csv").write_text("step,acc\n0,0.5\n")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(data))
        mlflow.log_artifact(str(data), artifact_path="weights")
        mlflow.log_artifacts(str(folder), artifact_path="plots")
        mlflow.log_text("hello", "notes/hello.txt")
        mlflow.log_dict({"lr": 0.1}, "config.json")
    run_id = run.info.run_id
    assert run.info.artifact_uri == f"mlflow-artifacts:/runs/{run_id}"

    top = mlflow_client.list_artifacts(run_id)
    assert [(f.path, f.is_dir, f.file_size) for f in top] == [
        ("config.json", False, len('{\n  "lr": 0.1\n}')),
        ("model.bin", False, len(ALL_BYTES)),
        ("notes", True, None),
        ("plots", True, None),
        ("weights", True, None),
    ]
    assert [f.path for f in mlflow_client.list_artifacts(run_id, "plots")] == [
        "plots/deep",
        "plots/loss.csv",
    ]
    assert mlflow_client.list_artifacts(run_id, "nothing-here") == []

    out = tmp_path / "out"
    out.mkdir()
    local = mlflow_client.download_artifacts(run_id, "weights/model.bin", str(out))
    assert open(local, "rb").read() == ALL_BYTES  # noqa: PTH123, SIM115
    tree = mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(tmp_path / "all"))
    assert (tmp_path / "all" / "plots" / "deep" / "acc.csv").read_text() == "step,acc\n0,0.5\n"
    assert tree.endswith("all")
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/hello.txt") == "hello"
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config.json") == {"lr": 0.1}

    # The same files Basalt serves for the run (what `basalt job download` fetches).
    runs = basalt_server.services.runs
    basalt_paths = [f.path for f in runs.list_artifacts("default", run_id)]
    assert "plots/deep/acc.csv" in basalt_paths
    assert "weights/model.bin" in basalt_paths
    with runs.open_artifact("default", run_id, "model.bin") as stream:
        assert stream.read() == ALL_BYTES


def test_artifacts_list_endpoint_names_paths_from_the_run(mlflow, mlflow_client, basalt_server):
    with mlflow.start_run() as run:
        mlflow.log_text("a", "dir/a.txt")
        mlflow.log_text("b", "b.txt")
    url = f"{basalt_server.url}/api/2.0/mlflow/artifacts/list"
    body = httpx.get(url, params={"run_id": run.info.run_id, "path": "dir"}).json()
    assert body == {
        "root_uri": f"mlflow-artifacts:/runs/{run.info.run_id}",
        "files": [{"path": "dir/a.txt", "is_dir": False, "file_size": 1}],
    }
    top = httpx.get(url, params={"run_id": run.info.run_id}).json()
    assert [f["path"] for f in top["files"]] == ["b.txt", "dir"]


def test_proxied_listing_names_entries_relative_to_the_folder(mlflow, basalt_server):
    with mlflow.start_run() as run:
        mlflow.log_text("a", "dir/sub/a.txt")
        mlflow.log_text("b", "dir/b.txt")
    url = f"{basalt_server.url}/api/2.0/mlflow-artifacts/artifacts"
    listed = httpx.get(url, params={"path": f"runs/{run.info.run_id}/dir"}).json()
    assert listed == {
        "files": [
            {"path": "b.txt", "is_dir": False, "file_size": 1},
            {"path": "sub", "is_dir": True},
        ]
    }
    assert httpx.get(url, params={"path": f"runs/{run.info.run_id}/none"}).json() == {}
    assert httpx.get(url, params={"path": "runs/no_such_run"}).json() == {}
    assert httpx.get(url).json() == {}


def test_paths_that_leave_the_run_are_refused(mlflow, basalt_server, tmp_path):
    with mlflow.start_run() as run:
        with pytest.raises(mlflow.exceptions.MlflowException):
            mlflow.log_text("x", "../escape.txt")  # the client refuses it already
    base = f"{basalt_server.url}/api/2.0/mlflow-artifacts/artifacts/runs/{run.info.run_id}"
    for bad in ("..%2F..%2Fetc%2Fpasswd", "a/%2E%2E/%2E%2E/x", "a%00b", "%2Fabs"):
        for method in ("PUT", "GET", "DELETE"):
            response = httpx.request(method, f"{base}/{bad}", content=b"x")
            assert response.status_code in (400, 404), (method, bad, response.text)
            if response.status_code == 400:
                assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
                assert response.json()["message"].startswith("Invalid path")
    listing = httpx.get(
        f"{basalt_server.url}/api/2.0/mlflow-artifacts/artifacts",
        params={"path": f"runs/{run.info.run_id}/../other"},
    )
    assert listing.status_code == 400
    assert listing.json()["message"].startswith("Invalid path")
    assert not (tmp_path.parent / "escape.txt").exists()


def test_upload_to_an_unknown_run_or_outside_runs_is_refused(basalt_server):
    base = f"{basalt_server.url}/api/2.0/mlflow-artifacts/artifacts"
    unknown = httpx.put(f"{base}/runs/no_such_run/a.txt", content=b"x")
    assert unknown.status_code == 404
    assert unknown.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    outside = httpx.put(f"{base}/experiments/1/a.txt", content=b"x")
    assert outside.status_code == 400
    assert outside.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_missing_file_is_resource_does_not_exist(mlflow, mlflow_client, basalt_server, tmp_path):
    with mlflow.start_run() as run:
        pass
    response = httpx.get(
        f"{basalt_server.url}/api/2.0/mlflow-artifacts/artifacts/runs/{run.info.run_id}/x.txt"
    )
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(mlflow.exceptions.MlflowException):
        mlflow_client.download_artifacts(run.info.run_id, "x.txt", str(tmp_path))


def test_delete_artifacts(mlflow, mlflow_client, basalt_server):
    with mlflow.start_run() as run:
        mlflow.log_text("a", "dir/a.txt")
        mlflow.log_text("b", "keep.txt")
    base = f"{basalt_server.url}/api/2.0/mlflow-artifacts/artifacts/runs/{run.info.run_id}"
    assert httpx.delete(f"{base}/dir").json() == {}
    assert httpx.delete(f"{base}/dir").status_code == 200  # again: nothing to do, no error
    assert [f.path for f in mlflow_client.list_artifacts(run.info.run_id)] == ["keep.txt"]


def test_multipart_and_presigned_transfers_are_not_offered(basalt_server):
    info = httpx.get(f"{basalt_server.url}/api/3.0/mlflow/server-info").json()
    assert info["multipart_uploads_enabled"] is False
    assert info["multipart_downloads_enabled"] is False
    response = httpx.post(
        f"{basalt_server.url}/api/2.0/mlflow-artifacts/mpu/create/runs/x/big.bin",
        json={"path": "runs/x/big.bin", "num_parts": 2},
    )
    assert response.status_code == 501
    assert response.json()["error_code"] == "NOT_IMPLEMENTED"
