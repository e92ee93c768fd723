"""Jobs and data assets on datastores of one's own, and no credential in plaintext anywhere."""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from basalt.spec.data import DataCreate
from basalt.spec.datastores import DatastoreCreate
from basalt.spec.runs import Run, RunStatus

HOST_ENV = {"image": "python:3.11-slim"}  # image alone: runs with Basalt's own interpreter


def _client(settings: Any, services: Any) -> Any:
    from basalt.client.client import Client
    from basalt.client.transports.inprocess import InProcessTransport

    return Client(
        settings=settings, transport=InProcessTransport(services=services, roundtrip=True)
    )


def _done(client: Any, name: str, timeout: float = 90.0) -> Run:
    deadline = time.monotonic() + timeout
    while True:
        run = client.jobs.get(name)
        if run.status in (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is {run.status}")
        time.sleep(0.1)


def _log(client: Any, name: str) -> str:
    return str(client.jobs.logs(name, max_bytes=1 << 20).text)


def _grep(root: Path, needle: bytes) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    return hits


@pytest.mark.s3
def test_job_reads_s3_writes_local_and_no_secret_leaks(
    settings, services, s3_server, tmp_path, caplog
):
    from basalt import Input, Output, command

    caplog.set_level(logging.DEBUG)
    secret = f"plain-{uuid.uuid4().hex}"  # moto accepts any key pair
    client = _client(settings, services)
    prefix = f"job-{uuid.uuid4().hex[:8]}"
    client.datastores.create(
        DatastoreCreate.model_validate(
            {
                "name": "raw_s3",
                "type": "s3",
                "bucket": s3_server.bucket,
                "endpoint_url": s3_server.endpoint_url,
                "region": "us-east-1",
                "credentials": {"access_key_id": "AKIDLEAKCHECK", "secret_access_key": secret},
            }
        )
    )
    lake = tmp_path / "lake"
    lake.mkdir()
    client.datastores.create(
        DatastoreCreate.model_validate({"name": "results", "type": "local", "path": str(lake)})
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "iris.csv").write_text("a,b\n1,2\n3,4\n")
    services.datastores.upload("default", "raw_s3", f"{prefix}/iris.csv", src / "iris.csv")

    job = command(
        command="wc -l < ${{inputs.table}} > ${{outputs.counted}}/lines.txt && env > env.txt",
        inputs={
            "table": Input(
                type="uri_file", path=f"azureml://datastores/raw_s3/paths/{prefix}/iris.csv"
            )
        },
        outputs={
            "counted": Output(
                type="uri_folder", path="azureml://datastores/results/paths/counts/${{name}}"
            )
        },
        environment=HOST_ENV,
    )
    run = _done(client, client.jobs.create_or_update(job).name)
    log = _log(client, run.name)
    assert run.status == RunStatus.COMPLETED, log
    assert (lake / "counts" / run.name / "lines.txt").read_text().strip() == "3"
    assert f"azureml://datastores/results/paths/counts/{run.name}" in log

    needle = secret.encode()
    assert _grep(tmp_path, needle) == []  # database, vault rows, artifacts, job folders, logs
    assert secret not in caplog.text
    assert secret not in client.jobs.get(run.name).model_dump_json()
    assert secret not in log


@pytest.mark.s3
def test_data_asset_references_a_datastore_in_place_and_warns_on_change(
    settings, services, s3_server, tmp_path
):
    from basalt import Input, command

    client = _client(settings, services)
    prefix = f"data-{uuid.uuid4().hex[:8]}"
    client.datastores.create(
        DatastoreCreate.model_validate(
            {
                "name": "bucket",
                "type": "s3",
                "bucket": s3_server.bucket,
                "endpoint_url": s3_server.endpoint_url,
                "credentials": {"access_key_id": "testing", "secret_access_key": "testing"},
            }
        )
    )
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("one\n")
    (folder / "b.txt").write_text("two\n")
    services.datastores.upload("default", "bucket", prefix, folder)

    made = client.data.create_or_update(
        DataCreate(name="ref", path=f"azureml://datastores/bucket/paths/{prefix}")
    )
    assert (made.version, made.size, made.files) == ("1", 8, [])
    assert made.content_hash  # the fingerprint
    row_spec = _spec(services, "ref", "1")
    assert (row_spec["datastore"], row_spec["file_count"]) == ("bucket", 2)
    # the same version again is the same version; an s3:// URI of the bucket is a reference too
    again = client.data.create_or_update(
        DataCreate(name="ref", version="1", path=f"azureml://datastores/bucket/paths/{prefix}")
    )
    assert again.version == "1"
    by_uri = client.data.create_or_update(
        DataCreate(name="by_uri", path=f"s3://{s3_server.bucket}/{prefix}/a.txt", type="uri_file")
    )
    assert (by_uri.size, _spec(services, "by_uri", "1")["datastore_path"]) == (
        4,
        f"{prefix}/a.txt",
    )

    job = command(
        command="cat ${{inputs.d}}/a.txt ${{inputs.d}}/b.txt",
        inputs={"d": Input(type="uri_folder", path="azureml:ref:1")},
        environment=HOST_ENV,
    )
    first = _done(client, client.jobs.create_or_update(job).name)
    log = _log(client, first.name)
    assert first.status == RunStatus.COMPLETED, log
    assert "one\ntwo" in log
    assert "changed since registration" not in log

    (folder / "b.txt").write_text("two, changed\n")
    services.datastores.upload("default", "bucket", f"{prefix}/b.txt", folder / "b.txt")
    second = _done(client, client.jobs.create_or_update(job).name)
    log = _log(client, second.name)
    assert second.status == RunStatus.COMPLETED, log
    assert "data ref:1 changed since registration" in log
    assert "two, changed" in log


def _spec(services: Any, name: str, version: str) -> dict[str, Any]:
    from basalt.services.data_refs import reference_of

    return reference_of(services.data, "default", name, version)
