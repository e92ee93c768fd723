"""``basalt import mlflow``: a real MLflow store (SQLite or a server) copied into a workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

POINTS = 2_500

# NOTE: MLflow's SQLAlchemy store (mlflow 3.17) uses ``noload``, deprecated in SQLAlchemy 2.1.
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


def _client(uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    from basalt.services.mlflow_source import with_installed_driver

    uri = with_installed_driver(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _fill(uri: str, files: Path) -> dict[str, str]:
    """Experiments, runs, metrics, params, tags, files and a registered model with an alias."""
    from mlflow.entities import Metric

    c = _client(uri)
    exp = c.create_experiment("mnist", tags={"team": "vision", "mlflow.note.content": "digits"})
    run = c.create_run(exp, run_name="lr-0.1", tags={"stage": "dev"})
    rid = run.info.run_id
    now = int(time.time() * 1000)
    loss = [Metric("loss", 1.0 / (i + 1), now + i, i) for i in range(POINTS)]
    for start in range(0, POINTS, 1000):
        c.log_batch(rid, metrics=loss[start : start + 1000])
    c.log_batch(rid, metrics=[Metric("acc", 0.5, now, 0), Metric("acc", 0.5, now + 1, 0)])
    c.log_param(rid, "lr", "0.1")
    files.mkdir()
    (files / "weights.bin").write_bytes(bytes(range(256)) * 40)
    (files / "MLmodel").write_text("flavors:\n  sklearn: {}\n")
    c.log_artifact(rid, str(files / "weights.bin"), "model")
    c.log_artifact(rid, str(files / "MLmodel"), "model")
    c.log_text(rid, "hello", "notes/readme.txt")
    c.set_terminated(rid)
    child = c.create_run(exp, run_name="child", tags={"mlflow.parentRunId": rid})
    c.log_metric(child.info.run_id, "loss", 0.3, step=0)
    c.create_registered_model("digits")
    version = c.create_model_version("digits", f"runs:/{rid}/model", run_id=rid)
    # NOTE: after the first version: a Basalt server keeps a name's tags on its oldest version.
    c.update_registered_model("digits", description="the digits model")
    c.set_registered_model_tag("digits", "owner", "ana")
    c.set_model_version_tag("digits", version.version, "validated", "yes")
    c.set_registered_model_alias("digits", "champion", version.version)
    return {"run": rid, "child": child.info.run_id}


def _import(target: Path, uri: str, *extra: str) -> dict[str, Any]:
    from basalt.cli.main import app

    args = ["--workspace", str(target), "import", "mlflow", "--tracking-uri", uri, "-o", "json"]
    result = CliRunner().invoke(app, [*args, *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["failures"] == []
    return report


def _copied(report: dict[str, Any]) -> dict[str, int]:
    return {k: v["copied"] for k, v in report["counts"].items()}


@pytest.fixture
def basalt_services(target: Path) -> Any:
    from basalt.config import load_settings
    from basalt.services.container import Services

    with Services(load_settings(target)) as svc:
        yield svc


def test_import_copies_everything_then_only_what_is_new(
    mlflow_source: str, target: Path, tmp_path: Path
) -> None:
    ids = _fill(mlflow_source, tmp_path / "files")
    first = _import(target, mlflow_source)
    exps = first["counts"]["experiments"]
    assert exps["copied"] + exps["existing"] == 2  # Default and mnist
    assert _copied(first) == {
        "experiments": exps["copied"],
        "runs": 2,
        "metric_points": POINTS + 2 + 1,
        "artifacts": 3,
        "registered_models": 1,
        "model_versions": 1,
        "aliases": 1,
    }

    from basalt.config import load_settings
    from basalt.services.container import Services
    from basalt.spec.models import ModelCreate

    src = _client(mlflow_source)
    with Services(load_settings(target)) as svc:
        run = svc.runs.get_run("default", ids["run"])
        assert run.display_name == "lr-0.1"
        assert run.experiment_name == "mnist"
        assert run.status == "Completed"
        assert run.params == {"lr": "0.1"}
        assert run.tags["stage"] == "dev"
        info = src.get_run(ids["run"]).info
        assert int(run.end_time.timestamp() * 1000) == info.end_time  # type: ignore[union-attr]
        assert int(run.start_time.timestamp() * 1000) == info.start_time  # type: ignore[union-attr]
        history = svc.runs.get_metric_history("default", ids["run"], "loss")
        want = src.get_metric_history(ids["run"], "loss")
        assert history.total_points == POINTS
        assert history.values == [m.value for m in want]
        assert history.steps == [m.step for m in want]
        assert history.timestamps == [m.timestamp for m in want]
        assert svc.runs.get_metric_history("default", ids["run"], "acc").total_points == 2
        child = svc.runs.get_run("default", ids["child"])
        assert child.parent_name == ids["run"]
        assert child.status == "Running"
        exp = svc.experiments.get_experiment("default", "mnist")
        assert exp.tags["team"] == "vision"
        assert exp.description == "digits"
        for path, local in [("model/weights.bin", tmp_path / "files" / "weights.bin")]:
            with svc.runs.open_artifact("default", ids["run"], path) as fh:
                assert fh.read() == local.read_bytes()
        with svc.runs.open_artifact("default", ids["run"], "notes/readme.txt") as fh:
            assert fh.read() == b"hello"
        version = svc.models.get("default", "digits", "1")
        assert version.labels == ["champion"]
        assert version.tags["validated"] == "yes"
        assert version.job_name == ids["run"]
        assert version.flavor == "mlflow"
        assert version.properties["mlflow.registered_model.description"] == "the digits model"
        assert version.properties["mlflow.registered_model.tag.owner"] == "ana"
        # the run id still resolves: register again from runs:/<id>/model
        again = svc.models.create_model(
            "default", ModelCreate(name="again", path=f"runs:/{ids['run']}/model")
        )
        assert sorted(again.files) == ["MLmodel", "weights.bin"]

    second = _import(target, mlflow_source)
    assert _copied(second) == dict.fromkeys(_copied(second), 0) | {"runs": 1}  # the running child
    assert second["counts"]["runs"]["existing"] == 1
    assert second["counts"]["model_versions"]["existing"] == 1

    # the child goes on and ends; a new run appears: only those are copied
    src.log_metric(ids["child"], "loss", 0.2, step=1)
    src.set_terminated(ids["child"])
    new = src.create_run(src.get_experiment_by_name("mnist").experiment_id, run_name="new")
    src.log_metric(new.info.run_id, "loss", 0.1)
    src.set_terminated(new.info.run_id, "FAILED")
    third = _import(target, mlflow_source)
    assert third["counts"]["runs"] == {"copied": 2, "existing": 1, "failed": 0}
    assert third["counts"]["metric_points"] == {"copied": 2, "existing": 1, "failed": 0}
    with Services(load_settings(target)) as svc:
        assert svc.runs.get_run("default", ids["child"]).status == "Completed"
        assert svc.runs.get_metric_history("default", ids["child"], "loss").values == [0.3, 0.2]
        assert svc.runs.get_run("default", new.info.run_id).status == "Failed"


def test_dry_run_writes_nothing(mlflow_source: str, target: Path, tmp_path: Path) -> None:
    ids = _fill(mlflow_source, tmp_path / "files")
    report = _import(target, mlflow_source, "--dry-run")
    assert report["dry_run"] is True
    assert report["counts"]["runs"]["copied"] == 2
    from basalt.config import load_settings
    from basalt.errors import NotFoundError
    from basalt.services.container import Services

    with Services(load_settings(target)) as svc, pytest.raises(NotFoundError):
        svc.runs.get_run("default", ids["run"])


def test_experiment_option_limits_the_import(
    mlflow_source: str, target: Path, tmp_path: Path
) -> None:
    _fill(mlflow_source, tmp_path / "files")
    _client(mlflow_source).create_experiment("other")
    report = _import(target, mlflow_source, "--experiment", "other")
    assert _copied(report)["experiments"] == 1
    assert _copied(report)["runs"] == 0
    assert _copied(report)["model_versions"] == 0


def _basalt_exe() -> str:
    return str(Path(sys.executable).with_name("basalt"))


@pytest.mark.parametrize(
    ("uri", "needle"),
    [
        ("http://127.0.0.1:9", "cannot reach MLflow at http://127.0.0.1:9"),
        ("sqlite:////nonexistent/mlflow.db", "no MLflow database at /nonexistent/mlflow.db"),
        ("file:///tmp/mlruns", "unsupported tracking URI"),
    ],
    ids=["unreachable", "missing-db", "file-store"],
)
def test_unusable_source_is_one_error_line_and_writes_nothing(
    target: Path, uri: str, needle: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASALT_", "MLFLOW_"))}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    proc = subprocess.run(  # noqa: S603
        [_basalt_exe(), "import", "mlflow", "--tracking-uri", uri],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]
    assert not (target / "nonexistent").exists()
    from basalt.config import load_settings
    from basalt.services.container import Services

    with Services(load_settings(target)) as svc:
        assert [e.name for e in svc.experiments.list_experiments("default").items] in (
            [],
            ["Default"],
        )


def test_names_agree_with_the_mlflow_api() -> None:
    from basalt.server.mlflow_compat import registry_translate as rt
    from basalt.server.mlflow_compat import translate as tr
    from basalt.services import mlflow_import as mi
    from basalt.services import mlflow_import_models as mm

    assert (mm.STAGE_TAG, mm.RM_DESCRIPTION, mm.RM_TAG) == (
        rt.STAGE_TAG,
        rt.RM_DESCRIPTION,
        rt.RM_TAG,
    )
    assert mi.PARENT_RUN_TAG == tr.PARENT_RUN_TAG
    for name, status in mi.FROM_MLFLOW_STATUS.items():
        assert tr.from_mlflow_status(name) == status


def test_without_mlflow_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from basalt.errors import InvalidArgumentError
    from basalt.services.mlflow_source import MlflowClientSource

    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(InvalidArgumentError, match="pip install mlflow-skinny"):
        MlflowClientSource("http://127.0.0.1:9")


def test_logged_model_version_keeps_its_model_id(
    mlflow_source: str, target: Path, tmp_path: Path
) -> None:
    c = _client(mlflow_source)
    exp = c.create_experiment("clf")
    rid = c.create_run(exp).info.run_id
    model = c.create_logged_model(exp, name="model", source_run_id=rid)
    folder = tmp_path / "lm"
    folder.mkdir()
    (folder / "MLmodel").write_text("flavors:\n  python_function: {}\n")
    c.log_model_artifacts(model.model_id, str(folder))
    c.finalize_logged_model(model.model_id, "READY")
    c.set_terminated(rid)
    c.create_registered_model("clf")
    c.create_model_version("clf", f"models:/{model.model_id}", run_id=rid, model_id=model.model_id)
    report = _import(target, mlflow_source)
    assert _copied(report)["model_versions"] == 1
    from basalt.config import load_settings
    from basalt.services.container import Services

    with Services(load_settings(target)) as svc:
        version = svc.models.get("default", "clf", "1")
        assert version.path == f"runs:/{rid}/models/{model.model_id}"
        assert version.files == ["MLmodel"]
        assert svc.logged_models.get("default", model.model_id).status == "READY"
