"""A job's code snapshot can be listed and read back through the SDK, on every transport."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from tests.contract.sdk.test_jobs import HOST_ENV, done, log_of

from basalt.errors import InvalidArgumentError, NotFoundError
from basalt.spec.runs import RunCreate, RunStatus


def test_snapshot_lists_and_serves_the_code_folder(client: Any, tmp_path: Path) -> None:
    from basalt import command

    code = tmp_path / "src"
    (code / "pkg").mkdir(parents=True)
    (code / "train.py").write_text("print('hi')\n")
    (code / "pkg" / "util.py").write_bytes(b"X = 1\n" * 50)
    (code / "pkg" / "weights.bin").write_bytes(bytes(range(256)))
    expected = {
        p.relative_to(code).as_posix(): p.stat().st_size for p in code.rglob("*") if p.is_file()
    }

    run = client.jobs.create_or_update(
        command(code=str(code), command="python train.py", environment=HOST_ENV)
    )
    assert run.snapshot_id

    files = client.jobs.list_snapshot_files(run.name)
    assert {f.path: f.size for f in files} == expected
    assert [f.path for f in files] == sorted(expected)

    buf = io.BytesIO()
    client.jobs.download_snapshot_file(run.name, "pkg/weights.bin", buf)
    assert buf.getvalue() == bytes(range(256))
    target = tmp_path / "down" / "util.py"
    client.jobs.download_snapshot_file(run.name, "pkg/util.py", target)
    assert target.read_bytes() == (code / "pkg" / "util.py").read_bytes()

    with pytest.raises(NotFoundError, match="pkg/missing.py"):
        client.jobs.download_snapshot_file(run.name, "pkg/missing.py", tmp_path / "missing.py")
    assert not (tmp_path / "missing.py").exists()
    with pytest.raises(InvalidArgumentError):
        client.jobs.download_snapshot_file(run.name, "../x", io.BytesIO())

    finished = done(client, run.name)
    assert finished.status == RunStatus.COMPLETED, log_of(client, run.name)


def test_run_without_snapshot_lists_nothing(client: Any) -> None:
    run = client.jobs.create_run(RunCreate())
    assert run.snapshot_id is None
    assert client.jobs.list_snapshot_files(run.name) == []
    with pytest.raises(NotFoundError, match="train.py"):
        client.jobs.download_snapshot_file(run.name, "train.py", io.BytesIO())
    with pytest.raises(NotFoundError):
        client.jobs.list_snapshot_files("no-such-run")
