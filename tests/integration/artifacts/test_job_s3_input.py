"""A job reads an ``s3://`` input from an S3-compatible server (moto, on loopback)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.s3


def test_s3_uri_input_is_downloaded_for_the_job(
    s3_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import s3fs

    import basalt
    from basalt import Input, command

    # The job's runner inherits these, as it would a user's shell (the AWS SDK's variables).
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    key = f"{s3_server.bucket}/jobs-{uuid.uuid4().hex[:8]}/iris.csv"
    fs = s3fs.S3FileSystem(
        key="testing", secret="testing", client_kwargs={"endpoint_url": s3_server.endpoint_url}
    )
    fs.pipe(key, b"sepal,species\n5.1,setosa\n")

    root = tmp_path / "ws"
    (root / ".basalt").mkdir(parents=True)
    client = basalt.Client(path=root)
    job = command(
        command="cat ${{inputs.data}}",
        inputs={"data": Input(type="uri_file", path=f"s3://{key}")},
        environment={"image": "python:3.11-slim"},
    )
    name = client.jobs.create_or_update(job).name
    run = client.jobs.stream(name, out=io.StringIO())
    log = client.jobs.logs(name, max_bytes=1 << 20).text
    assert run.status.value == "Completed", log
    assert "5.1,setosa" in log
    client.close()
