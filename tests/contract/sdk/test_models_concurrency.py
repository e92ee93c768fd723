"""Processes racing to register the next version of one model each get a distinct version."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest


def _register(args: tuple[str, str]) -> str:
    from basalt.client.client import Client
    from basalt.spec.models import ModelCreate

    workspace, model_path = args
    with Client(path=workspace) as client:
        return client.models.create_or_update(ModelCreate(name="race", path=model_path)).version


def test_eight_processes_get_versions_one_to_eight(services, workspace_dir: Path, tmp_path: Path):
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(8) as pool:
        versions = pool.map(_register, [(str(workspace_dir), str(model))] * 8)
    assert sorted(versions, key=int) == [str(i) for i in range(1, 9)]


@pytest.mark.postgres
def test_racing_threads_on_postgresql_get_distinct_versions(settings, pg_url, tmp_path: Path):
    from concurrent.futures import ThreadPoolExecutor

    from basalt.client.client import Client
    from basalt.client.transports.inprocess import InProcessTransport
    from basalt.services.container import Services
    from basalt.spec.models import ModelCreate

    pg = settings.model_copy(update={"store": settings.store.model_copy(update={"url": pg_url})})
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    with Services(pg) as svc:
        client = Client(settings=pg, transport=InProcessTransport(services=svc))

        def register(_: int) -> str:
            return client.models.create_or_update(ModelCreate(name="race", path=str(model))).version

        with ThreadPoolExecutor(8) as pool:
            versions = list(pool.map(register, range(16)))
    assert sorted(versions, key=int) == [str(i) for i in range(1, 17)]
