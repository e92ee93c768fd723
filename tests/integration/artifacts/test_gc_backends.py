"""Garbage collection and job delete free bytes on every artifact backend (folder and S3)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from basalt.spec.models import ModelCreate
from basalt.spec.runs import RunCreate, RunStatus


@pytest.fixture
def client(backend: str, workspace_dir: Path, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    from basalt.client.client import Client
    from basalt.client.transports.inprocess import InProcessTransport
    from basalt.config import ArtifactSettings, load_settings
    from basalt.services.container import Services

    if backend == "local":
        artifacts = ArtifactSettings(url=str(tmp_path / "artifacts"))
    else:
        artifacts = request.getfixturevalue("s3_settings")
    settings = load_settings(workspace_dir).model_copy(update={"artifacts": artifacts})
    services = Services(settings)
    try:
        yield Client(settings=settings, transport=InProcessTransport(services=services))
    finally:
        services.close()


def _services(client: Any) -> Any:
    return client.transport.services


def test_gc_frees_deleted_versions_and_orphaned_run_files(client: Any, tmp_path: Path) -> None:
    shared = b"s" * 1000
    for name, own in (("a", b"a" * 300), ("b", b"b" * 200)):
        d = tmp_path / name
        d.mkdir()
        (d / "shared.bin").write_bytes(shared)
        (d / "own.bin").write_bytes(own)
        client.models.create_or_update(ModelCreate(name=name, path=str(d)))
    services = _services(client)
    services.artifacts.put_bytes("workspaces/default/runs/ghost/logs/x.log", b"12345")
    content = b"in flight"  # a blob uploaded whose version is not created yet
    fresh = hashlib.sha256(content).hexdigest()
    services.models.blobs.put_blob(fresh, io.BytesIO(content))
    client.models.archive("a", "1")
    client.models.delete("a", "1")

    kept = client.gc()  # default grace period: one hour; everything here is younger
    assert kept.bytes == 0
    assert kept.categories["blobs"].kept_recent == 1
    assert kept.categories["run_files"].kept_recent == 1

    report = client.gc(grace_period_s=0)
    assert (report.categories["blobs"].files, report.categories["blobs"].bytes) == (2, 309)
    assert report.categories["manifests"].files == 1
    assert (report.categories["run_files"].files, report.categories["run_files"].bytes) == (1, 5)
    assert not services.artifacts.list("workspaces/default/runs/ghost", recursive=True)
    assert len(services.models.blobs.stored_blobs()) == 2  # b's own blob and the shared one
    out = client.models.download("b", "1", tmp_path / "out")
    assert (out / "shared.bin").read_bytes() == shared
    assert client.gc(grace_period_s=0).bytes == 0


def test_job_delete_removes_its_prefix(client: Any, tmp_path: Path) -> None:
    run = client.jobs.create_run(RunCreate())
    f = tmp_path / "o.txt"
    f.write_text("out")
    client.jobs.upload_file(run.name, f, "outputs/o.txt")
    client.jobs.set_status(run.name, RunStatus.CANCELED)
    client.jobs.delete(run.name)
    services = _services(client)
    assert services.artifacts.list(f"workspaces/default/runs/{run.name}", recursive=True) == []
