"""Garbage collection details: local job folders, one collector at a time, the guard's rules."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from basalt.errors import ConflictError, InvalidArgumentError
from basalt.spec.models import ModelCreate, ModelFile
from basalt.spec.runs import RunCreate
from basalt.store.locks import try_lock


def test_job_folders_of_deleted_runs_are_freed(services: Any) -> None:
    run = services.runs.create_run("default", RunCreate())
    jobs = services.settings.jobs_dir()
    live = jobs / "default" / run.name
    ghost = jobs / "default" / "ghost"
    for folder in (live, ghost):
        (folder / "wd").mkdir(parents=True)
        (folder / "wd" / "out.txt").write_bytes(b"1234")
    report = services.gc.collect(grace_period_s=0)
    assert (report.categories["job_folders"].files, report.categories["job_folders"].bytes) == (
        1,
        4,
    )
    assert live.is_dir()
    assert not ghost.exists()


def test_one_collector_at_a_time(services: Any) -> None:
    with try_lock(services.engine, "gc") as held:
        assert held
        report = services.gc.collect(grace_period_s=0)
    assert not report.ran
    assert services.gc.collect(grace_period_s=0).ran


def test_negative_grace_period_is_refused(services: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="grace period"):
        services.gc.collect(grace_period_s=-1)


def test_uses_follow_a_rename_and_are_per_version(services: Any, tmp_path: Path) -> None:
    blob = b"w"
    sha = hashlib.sha256(blob).hexdigest()
    services.models.put_blob("default", sha, io.BytesIO(blob))
    files = [ModelFile(path="w.bin", sha256=sha, size=1)]
    for _ in range(2):
        services.models.create_model(
            "default", ModelCreate(name="old", path=str(tmp_path), files=files)
        )
    services.asset_uses.register_use("default", "model", "old", "1", "deployment", "d of e")
    services.models.rename("default", "old", "new")
    assert services.asset_uses.users_of("default", "model", "old", "1") == []
    assert [u.user_name for u in services.asset_uses.users_of("default", "model", "new", "1")] == [
        "d of e"
    ]
    with pytest.raises(ConflictError, match="model new:1 is used by deployment d of e"):
        services.models.archive("default", "new", "1")
    services.models.archive("default", "new", "2")  # the other version is free
