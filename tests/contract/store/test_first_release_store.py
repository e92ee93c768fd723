"""A store written by the first release (revision 0001) upgrades to the head with nothing lost.

``tests/fixtures/stores/r0001.sqlite`` (and its artifact root ``r0001-artifacts/``) was made
by ``tests/fixtures/stores/make_r0001.py``: the 0001 schema, then rows in plain SQL. Each test
opens a copy with today's ``Services`` (which migrates to the head on open) and reads
everything back through the SDK; the PostgreSQL variant loads the same rows at 0001 into an
empty database first.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from basalt.client.client import Client
from basalt.client.transports.inprocess import InProcessTransport
from basalt.config import load_settings
from basalt.services.container import Services
from basalt.spec.models import ModelCreate
from basalt.spec.runs import LogBatch, MetricPoint
from basalt.store.migrate import current_revision, head_revision

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stores"


def _maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_r0001", FIXTURES / "make_r0001.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make = _maker()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Settings of a workspace whose store and artifacts the first release wrote."""
    workspace = tmp_path / "ws"
    (workspace / ".basalt").mkdir(parents=True)
    shutil.copytree(make.ARTIFACTS_DIR, workspace / ".basalt" / "artifacts")
    settings = load_settings(workspace)
    if request.param == "sqlite":
        shutil.copyfile(make.SQLITE_FILE, workspace / ".basalt" / "basalt.db")
        return settings
    url = request.getfixturevalue("pg_empty_url")
    make.build(url)
    return settings.model_copy(update={"store": settings.store.model_copy(update={"url": url})})


def _client(services: Services, workspace: str) -> Client:
    return Client(
        settings=services.settings.model_copy(update={"workspace_name": workspace}),
        transport=InProcessTransport(services=services, roundtrip=True),
    )


def _nan_safe(values: list[float]) -> list[object]:
    return ["nan" if math.isnan(v) else v for v in values]


def test_fixture_is_small_and_at_the_first_revision() -> None:
    assert make.SQLITE_FILE.stat().st_size < 200 * 1024
    # read-only, so that nothing (a WAL file, a migration) ever touches the committed file
    with closing(sqlite3.connect(f"file:{make.SQLITE_FILE}?mode=ro", uri=True)) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == make.REVISION


def test_first_release_store_upgrades_with_nothing_lost(old_store: Any) -> None:
    services = Services(old_store)
    try:
        assert current_revision(services.engine) == head_revision()
        expected = make.EXPECTED
        for name, want in expected["runs"].items():
            client = _client(services, want["workspace"])
            run = client.jobs.get(name)
            assert run.experiment_name == want["experiment"]
            assert run.status.value == want["status"]
            assert run.params == want["params"]
            assert run.tags == want["tags"]
            for key, points in want["metrics"].items():
                logged = sorted(points, key=lambda p: (p[0], p[1]))  # history is in step order
                series = client.jobs.get_metric_history(name, key)
                assert series.total_points == len(points)
                assert series.steps == [p[0] for p in logged]
                assert series.timestamps == [p[1] for p in logged]
                assert _nan_safe(series.values) == _nan_safe([p[2] for p in logged])
                latest = max(reversed(points), key=lambda p: (p[0], p[1]))
                assert run.metrics[key] == latest[2]
            assert set(run.metrics) == set(want["metrics"])
            files = {f.path for f in client.jobs.list_files(name) if not f.is_dir}
            assert files == set(want["files"])
            for path, content in want["files"].items():
                with services.runs.open_artifact(want["workspace"], name, path) as stream:
                    assert stream.read() == content
        fox = _client(services, "default").jobs.get("brave-fox-1")
        assert [c.status.value for c in fox.status_history] == ["Running", "Completed"]
        assert fox.children == ["calm-owl-2"]
        owl = _client(services, "default").jobs.get("calm-owl-2")
        assert owl.parent_name == "brave-fox-1"
        assert owl.error is not None
        assert owl.error.message.startswith("ZeroDivisionError")
        for (workspace, experiment), tags in expected["experiment_tags"].items():
            assert _client(services, workspace).experiments.get(experiment).tags == tags
        # downsampling reads the chunk summaries the first release wrote
        sampled = _client(services, "default").jobs.get_metric_history("brave-fox-1", "loss", 20)
        assert sampled.downsampled
        assert sampled.total_points == 600
        assert min(sampled.values) == min(
            p[2] for p in expected["runs"]["brave-fox-1"]["metrics"]["loss"]
        )
    finally:
        services.close()


def test_new_features_work_on_an_upgraded_store(old_store: Any) -> None:
    services = Services(old_store)
    try:
        client = _client(services, "default")
        model = client.models.create_or_update(
            ModelCreate(name="mnist-net", path="runs:/brave-fox-1/outputs")
        )
        assert (model.version, model.job_name, model.files) == ("1", "brave-fox-1", ["model.txt"])
        client.secrets.set("api-key", "s3cret")
        assert client.secrets.get("api-key") == "s3cret"
        client.jobs.log_batch(
            "brave-fox-1",
            LogBatch(metrics=[MetricPoint(key="loss", value=0.001, step=600, timestamp=1)]),
        )
        series = client.jobs.get_metric_history("brave-fox-1", "loss")
        assert (series.total_points, series.steps[-1], series.values[-1]) == (601, 600, 0.001)
        assert services.computes.get("research", "local").name == "local"  # revision 0004
        assert services.identity.ensure_admin() is not None  # no users yet: 0005's tables
    finally:
        services.close()
