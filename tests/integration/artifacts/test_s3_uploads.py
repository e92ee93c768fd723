"""S3-only details: aborted multipart uploads, the part list on resume, foreign keys."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from basalt.artifacts import ArtifactInfo, ArtifactStore
from basalt.artifacts._uploads import upload_key
from basalt.config import ArtifactSettings
from basalt.errors import InvalidArgumentError

MiB = 1024 * 1024

pytestmark = pytest.mark.s3


class Interrupted(Exception):
    pass


@pytest.fixture
def s3(s3_settings: ArtifactSettings) -> Iterator[Any]:
    client = boto3.client(
        "s3",
        endpoint_url=s3_settings.s3_endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    yield client
    client.close()


@pytest.fixture
def store(s3_settings: ArtifactSettings, tmp_path: Path) -> ArtifactStore:
    return ArtifactStore.from_settings(
        s3_settings, str(tmp_path), chunk_size=MiB, part_size=5 * MiB, resumable_threshold=MiB
    )


def _prefix(settings: ArtifactSettings) -> tuple[str, str]:
    assert settings.url is not None
    bucket, _, prefix = settings.url.removeprefix("s3://").partition("/")
    return bucket, prefix


def _pending_uploads(s3: Any, settings: ArtifactSettings) -> list[str]:
    bucket, prefix = _prefix(settings)
    found = s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix + "/").get("Uploads", [])
    return [u["Key"] for u in found]


def _interrupt_after(limit: int) -> Any:
    total = 0

    def progress(n: int) -> None:
        nonlocal total
        total += n
        if total >= limit:
            raise Interrupted

    return progress


def test_failed_stream_aborts_its_multipart_upload(
    store: ArtifactStore, s3: Any, s3_settings: ArtifactSettings
) -> None:
    data = b"x" * (12 * MiB)
    with pytest.raises(Interrupted):
        store.put_stream("s.bin", io.BytesIO(data), progress=_interrupt_after(5 * MiB))
    assert _pending_uploads(s3, s3_settings) == []
    assert not store.exists("s.bin")


def test_interrupted_put_file_keeps_its_upload_and_state(
    store: ArtifactStore, s3: Any, s3_settings: ArtifactSettings, tmp_path: Path
) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(b"y" * (11 * MiB))
    with pytest.raises(Interrupted):
        store.put_file("f.bin", src, progress=_interrupt_after(5 * MiB))
    bucket, prefix = _prefix(s3_settings)
    assert _pending_uploads(s3, s3_settings) == [f"{prefix}/f.bin"]
    state_key = f"{prefix}/.uploads/{upload_key('f.bin')}.json"
    state = json.loads(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())
    assert state["path"] == "f.bin"
    assert [p["PartNumber"] for p in state["parts"]] == [1]

    store.put_file("f.bin", src)
    assert _pending_uploads(s3, s3_settings) == []
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/.uploads/")["KeyCount"] == 0


def test_resume_trusts_the_servers_part_list_over_saved_state(
    store: ArtifactStore, s3: Any, s3_settings: ArtifactSettings, tmp_path: Path
) -> None:
    """A process killed after uploading a part but before saving the state loses no work."""
    src = tmp_path / "f.bin"
    src.write_bytes(bytes(range(256)) * (12 * MiB // 256))
    with pytest.raises(Interrupted):
        store.put_file("f.bin", src, progress=_interrupt_after(10 * MiB))
    bucket, prefix = _prefix(s3_settings)
    state_key = f"{prefix}/.uploads/{upload_key('f.bin')}.json"
    state = json.loads(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())
    state["parts"] = state["parts"][:1]  # as if the save after part 2 never happened
    s3.put_object(Bucket=bucket, Key=state_key, Body=json.dumps(state).encode())

    sent: list[int] = []
    store.put_file("f.bin", src, progress=sent.append)
    assert sum(sent) == 2 * MiB
    assert store.read_bytes("f.bin") == src.read_bytes()


def test_vanished_upload_starts_over(
    store: ArtifactStore, s3: Any, s3_settings: ArtifactSettings, tmp_path: Path
) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(b"z" * (11 * MiB))
    with pytest.raises(Interrupted):
        store.put_file("f.bin", src, progress=_interrupt_after(5 * MiB))
    bucket, prefix = _prefix(s3_settings)
    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix + "/")["Uploads"]
    # A bucket lifecycle rule aborted it meanwhile.
    s3.abort_multipart_upload(Bucket=bucket, Key=uploads[0]["Key"], UploadId=uploads[0]["UploadId"])

    sent: list[int] = []
    store.put_file("f.bin", src, progress=sent.append)
    assert sum(sent) == 11 * MiB
    assert store.read_bytes("f.bin") == src.read_bytes()


def test_keys_written_by_other_tools(
    store: ArtifactStore, s3: Any, s3_settings: ArtifactSettings, tmp_path: Path
) -> None:
    bucket, prefix = _prefix(s3_settings)
    s3.put_object(Bucket=bucket, Key=f"{prefix}/made/in/console/", Body=b"")  # folder marker
    s3.put_object(Bucket=bucket, Key=f"{prefix}/made/file.txt", Body=b"f")
    assert store.list("made", recursive=True) == [ArtifactInfo("made/file.txt", 1, False)]
    assert store.download_dir("made", tmp_path / "dl") == [tmp_path / "dl" / "file.txt"]

    s3.put_object(Bucket=bucket, Key=f"{prefix}/made/../../escape.txt", Body=b"x")
    with pytest.raises(InvalidArgumentError, match="'..'"):
        store.download_dir("made", tmp_path / "dl2")
    assert not (tmp_path / "escape.txt").exists()
