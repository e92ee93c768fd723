"""Deleting versions and jobs, the in-use guard, and gc: the same on every transport."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from basalt.errors import ConflictError, NotFoundError
from basalt.spec.data import DataCreate
from basalt.spec.environments import EnvironmentCreate
from basalt.spec.models import ModelCreate
from basalt.spec.runs import LogBatch, MetricPoint, RunCreate, RunStatus


def services_of(client: Any) -> Any:
    """The services behind a client: in-process, or the app's behind TestClient."""
    transport = client.transport
    if hasattr(transport, "services"):
        return transport.services
    return transport._http.app.state.services


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    (d / "model.pkl").write_bytes(b"pickle-bytes")
    return d


def test_delete_needs_archive_removes_labels_and_never_reuses_numbers(client, model_dir):
    for _ in range(3):
        client.models.create_or_update(ModelCreate(name="clf", path=str(model_dir)))
    client.models.set_label("clf", "prod", "3")
    with pytest.raises(ConflictError, match="archive it first: basalt model archive clf"):
        client.models.delete("clf", "3")
    client.models.archive("clf", "3")
    client.models.delete("clf", "3")
    with pytest.raises(NotFoundError):
        client.models.get("clf", version="3")
    with pytest.raises(NotFoundError):
        client.models.get("clf", label="prod")
    assert [m.version for m in client.models.list("clf", include_archived=True)] == ["2", "1"]
    # NOTE: "no gaps reused": 3 was the highest number; the next version is 4, not 3.
    assert (
        client.models.create_or_update(ModelCreate(name="clf", path=str(model_dir))).version == "4"
    )
    with pytest.raises(NotFoundError):
        client.models.delete("clf", "3")


def test_next_number_survives_deleting_every_version_and_a_rename(client, model_dir):
    client.models.create_or_update(ModelCreate(name="solo", path=str(model_dir)))
    client.models.archive("solo", "1")
    client.models.delete("solo", "1")
    with pytest.raises(NotFoundError):
        client.models.get("solo")
    assert (
        client.models.create_or_update(ModelCreate(name="solo", path=str(model_dir))).version == "2"
    )


def test_in_use_version_cannot_be_archived_or_deleted(client, model_dir):
    client.models.create_or_update(ModelCreate(name="demo", path=str(model_dir)))
    client.models.create_or_update(ModelCreate(name="demo", path=str(model_dir)))
    uses = services_of(client).asset_uses
    uses.register_use("default", "model", "demo", "2", "deployment", "blue of endpoint ep1")
    uses.register_use("default", "model", "demo", "2", "deployment", "blue of endpoint ep1")
    assert [u.describe() for u in uses.users_of("default", "model", "demo", "2")] == [
        "deployment blue of endpoint ep1"
    ]
    expected = "model demo:2 is used by deployment blue of endpoint ep1; delete or update"
    with pytest.raises(ConflictError, match=expected):
        client.models.archive("demo", "2")
    assert not client.models.get("demo", version="2").archived
    client.models.archive("demo", "1")  # a version nobody uses is fine
    assert uses.release_use("default", "model", "demo", "2", "deployment", "blue of endpoint ep1")
    assert not uses.release_use(
        "default", "model", "demo", "2", "deployment", "blue of endpoint ep1"
    )
    client.models.archive("demo", "2")
    # A use registered after archiving (by a racing deployment) still blocks the delete.
    uses.register_use("default", "model", "demo", "2", "deployment", "green of endpoint ep2")
    with pytest.raises(ConflictError, match="deployment green of endpoint ep2") as err:
        client.models.delete("demo", "2")
    assert err.value.details["users"] == [{"kind": "deployment", "name": "green of endpoint ep2"}]
    uses.release_use("default", "model", "demo", "2", "deployment", "green of endpoint ep2")
    client.models.delete("demo", "2")


def test_data_and_environments_delete_the_same_way(client, tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text("a,b\n1,2\n")
    client.data.create_or_update(DataCreate(name="rows", path=str(f), type="uri_file"))
    with pytest.raises(ConflictError, match="basalt data archive rows --version 1"):
        client.data.delete("rows", "1")
    client.data.archive("rows", "1")
    client.data.delete("rows", "1")
    assert client.data.list("rows", include_archived=True) == []
    client.environments.create_or_update(EnvironmentCreate(name="env", image="python:3.11-slim"))
    client.environments.archive("env", "1")
    client.environments.delete("env", "1")
    with pytest.raises(NotFoundError):
        client.environments.get("env", version="1")


def test_job_delete_removes_rows_children_and_files(client, tmp_path):
    parent = client.jobs.create_run(RunCreate())
    child = client.jobs.create_run(RunCreate(parent_name=parent.name))
    client.jobs.log_batch(
        child.name, LogBatch(metrics=[MetricPoint(key="acc", value=0.5, step=0, timestamp=1)])
    )
    note = tmp_path / "log.txt"
    note.write_text("log")
    client.jobs.upload_file(parent.name, note, "logs/log.txt")
    client.jobs.upload_file(child.name, note, "outputs/o.txt")
    with pytest.raises(ConflictError, match="cancel it first"):
        client.jobs.delete(parent.name)
    client.jobs.set_status(parent.name, RunStatus.COMPLETED)
    with pytest.raises(ConflictError, match=f"has a child '{child.name}'"):
        client.jobs.delete(parent.name)
    client.jobs.set_status(child.name, RunStatus.FAILED)
    model = client.models.create_or_update(
        ModelCreate(name="out", path=f"runs:/{child.name}/outputs")
    )
    services = services_of(client)
    artifacts = services.artifacts
    assert artifacts.list(f"workspaces/default/runs/{child.name}", recursive=True)
    client.jobs.delete(parent.name)
    for name in (parent.name, child.name):
        with pytest.raises(NotFoundError):
            client.jobs.get(name)
        assert artifacts.list(f"workspaces/default/runs/{name}", recursive=True) == []
    # The model it produced stays, with its lineage by name.
    assert client.models.get("out", version=model.version).job_name == child.name


def test_gc_frees_exactly_the_unreferenced_bytes(client, tmp_path):
    shared = b"shared-weights" * 10
    one, two = tmp_path / "one", tmp_path / "two"
    for d, own in ((one, b"only-in-one" * 7), (two, b"only-in-two" * 5)):
        d.mkdir()
        (d / "shared.bin").write_bytes(shared)
        (d / "own.bin").write_bytes(own)
    client.models.create_or_update(ModelCreate(name="g", path=str(one)))
    client.models.create_or_update(ModelCreate(name="g", path=str(one)))  # same bytes: no new blob
    client.models.create_or_update(ModelCreate(name="h", path=str(two)))
    blobs = services_of(client).models.blobs
    before = {sha for sha, _ in blobs.stored_blobs()}
    assert len(before) == 3
    assert client.gc(grace_period_s=0).bytes == 0  # everything is referenced
    client.models.archive("g", "1")
    client.models.delete("g", "1")
    assert client.gc(grace_period_s=0).bytes == 0  # g:2 still holds the same files
    client.models.archive("g", "2")
    client.models.delete("g", "2")
    dry = client.gc(dry_run=True, grace_period_s=0)
    assert (dry.categories["blobs"].files, dry.categories["blobs"].bytes) == (1, 77)
    assert {sha for sha, _ in blobs.stored_blobs()} == before  # a dry run deletes nothing
    recent = client.gc()  # the default grace period keeps bytes written an hour ago or later
    assert recent.bytes == 0
    # The young manifest is kept, and it keeps its blobs (an upload in flight needs both).
    assert recent.categories["manifests"].kept_recent == 1
    report = client.gc(grace_period_s=0)
    assert report.ran
    assert not report.dry_run
    assert (report.categories["blobs"].files, report.categories["blobs"].bytes) == (1, 77)
    assert report.categories["manifests"].files == 1
    after = {sha for sha, _ in blobs.stored_blobs()}
    assert len(after) == 2  # the shared blob and h's own blob stay
    out = client.models.download("h", "1", tmp_path / "out")
    assert (out / "shared.bin").read_bytes() == shared
