"""The pure Basalt↔MLflow mapping: ids, statuses, times, filters, paths, error codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from basalt.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
    UnavailableError,
)
from basalt.server.mlflow_compat import translate as tr
from basalt.server.mlflow_compat.errors import ERROR_CODES
from basalt.spec.filters import Compare, FieldRef, InList
from basalt.spec.runs import Run, RunStatus

T = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def _run(**kw) -> Run:
    base = {
        "name": "brave_otter_x",
        "experiment_name": "Default",
        "experiment_id": "7",
        "status": RunStatus.RUNNING,
        "created_at": T,
        "start_time": T,
    }
    return Run(**{**base, **kw})


def test_times_are_epoch_milliseconds():
    assert tr.to_ms(T) == 1767323045678
    assert tr.from_ms(1767323045678) == T
    assert tr.to_ms(None) is None
    with pytest.raises(InvalidArgumentError):
        tr.from_ms(2**62)


@pytest.mark.parametrize(
    ("basalt", "mlflow"),
    [
        (RunStatus.RUNNING, "RUNNING"),
        (RunStatus.QUEUED, "SCHEDULED"),
        (RunStatus.COMPLETED, "FINISHED"),
        (RunStatus.FAILED, "FAILED"),
        (RunStatus.CANCELED, "KILLED"),
    ],
)
def test_statuses_round_trip(basalt, mlflow):
    assert tr.to_mlflow_status(basalt) == mlflow
    assert tr.from_mlflow_status(mlflow) == basalt


def test_other_statuses_read_as_the_nearest():
    assert tr.to_mlflow_status(RunStatus.NOT_STARTED) == "SCHEDULED"
    assert tr.to_mlflow_status(RunStatus.PREPARING) == "SCHEDULED"
    assert tr.to_mlflow_status(RunStatus.FINALIZING) == "RUNNING"


def test_default_experiment_is_zero():
    assert tr.experiment_id("Default", "12") == "0"
    assert tr.experiment_id("mnist", "12") == "12"
    info = tr.to_mlflow_run_info(_run(archived=True, created_by="ann"))
    assert info.experiment_id == "0"
    assert info.lifecycle_stage == "deleted"
    assert info.run_id == info.run_uuid == info.run_name == "brave_otter_x"
    assert info.user_id == "ann"
    assert info.artifact_uri == "mlflow-artifacts:/runs/brave_otter_x"
    assert info.end_time is None


def test_run_name_tag_is_shown_even_when_not_stored():
    run = tr.to_mlflow_run(_run(display_name="nice", tags={"a": "1"}))
    assert {t.key: t.value for t in run.data.tags} == {"a": "1", "mlflow.runName": "nice"}


def test_status_names_in_filters_become_basalt_statuses():
    expr = tr.run_filter("attributes.status = 'FINISHED' and status != 'running'")
    finished, running = expr.items
    assert finished == InList(FieldRef("attributes", "status"), ("Completed",), False)
    assert running == InList(FieldRef("attributes", "status"), ("Running", "Finalizing"), True)
    scheduled = tr.run_filter("status IN ('SCHEDULED')")
    assert set(scheduled.values) == {"NotStarted", "Queued", "Preparing"}
    assert tr.run_filter("status = 'Completed'") == InList(
        FieldRef("attributes", "status"), ("Completed",), False
    )
    assert tr.run_filter("") is None


def test_run_order_ends_with_newest_start():
    assert tr.run_order([]) == ["attributes.start_time DESC"]
    assert tr.run_order(["metrics.x"]) == ["metrics.x", "attributes.start_time DESC"]
    assert tr.run_order(["start_time ASC"]) == ["start_time ASC"]


def test_deleted_only_view_is_an_archived_condition():
    assert tr.run_view_filter("ACTIVE_ONLY") == (False, None)
    assert tr.run_view_filter("ALL") == (True, None)
    assert tr.run_view_filter("DELETED_ONLY") == (
        True,
        Compare(FieldRef("attributes", "archived"), "=", True),
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("runs/r1/a/b.txt", ("r1", "a/b.txt")),
        ("runs/r1", ("r1", "")),
        ("runs/r1/", ("r1", "")),
        ("runs", None),
        ("", None),
        ("experiments/1/x", None),
    ],
)
def test_artifact_paths_split_into_run_and_path(path, expected):
    assert tr.split_artifact_path(path) == expected


@pytest.mark.parametrize("path", ["../x", "runs/r/../../x", "/etc", "runs/r//x", "a\x00b", "a\\b"])
def test_unsafe_paths_are_invalid(path):
    with pytest.raises(InvalidArgumentError, match="Invalid path"):
        tr.split_artifact_path(path)


def test_one_table_maps_every_error_class():
    assert ERROR_CODES[NotFoundError] == ("RESOURCE_DOES_NOT_EXIST", 404)
    assert ERROR_CODES[AlreadyExistsError] == ("RESOURCE_ALREADY_EXISTS", 400)
    assert ERROR_CODES[InvalidArgumentError] == ("INVALID_PARAMETER_VALUE", 400)
    assert ERROR_CODES[ConflictError] == ("INVALID_PARAMETER_VALUE", 400)
    assert ERROR_CODES[UnavailableError] == ("TEMPORARILY_UNAVAILABLE", 503)
    # Nothing a caller can fix maps to a status the client would retry.
    retried = {500, 502, 503, 504}
    for cls, (_, status) in ERROR_CODES.items():
        if cls not in (UnavailableError,) and cls.__name__ != "InternalError":
            assert status not in retried, cls
