"""The SDK's run operations behave the same over both transports."""

from __future__ import annotations

import math

import pytest

from basalt.errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from basalt.spec.runs import LogBatch, MetricPoint, RunCreate, RunStatus, RunUpdate


def _points(key: str, values: list[float]) -> list[MetricPoint]:
    return [
        MetricPoint(key=key, value=v, step=i, timestamp=1_000 + i) for i, v in enumerate(values)
    ]


def test_create_and_get_run_records_everything(client):
    run = client.jobs.create_run(
        RunCreate(
            experiment_name="mnist",
            display_name="first",
            tags={"team": "vision"},
            params={"lr": "0.1"},
        )
    )
    got = client.jobs.get(run.name)
    assert got.name == run.name
    assert got.display_name == "first"
    assert got.experiment_name == "mnist"
    assert got.status == RunStatus.RUNNING
    assert got.params == {"lr": "0.1"}
    assert got.tags == {"team": "vision"}
    assert got.kind == "interactive"
    assert [h.status for h in got.status_history] == [RunStatus.RUNNING]
    assert got.start_time is not None


def test_metrics_keep_every_point_with_nan_and_infinities(client):
    run = client.jobs.create_run(RunCreate())
    values = [1.0, math.nan, math.inf, -math.inf, 0.5]
    result = client.jobs.log_batch(run.name, LogBatch(metrics=_points("loss", values)))
    assert result.metrics == 5
    series = client.jobs.get_metric_history(run.name, "loss")
    assert series.steps == [0, 1, 2, 3, 4]
    assert series.values[0] == 1.0
    assert math.isnan(series.values[1])
    assert series.values[2] == math.inf
    assert series.values[3] == -math.inf
    assert client.jobs.get(run.name).metrics == {"loss": 0.5}


def test_metric_keys_with_slashes_have_a_history(client):
    run = client.jobs.create_run(RunCreate())
    client.jobs.log_batch(run.name, LogBatch(metrics=_points("train/loss", [3.0, 2.0])))
    client.jobs.log_batch(run.name, LogBatch(metrics=_points("system/cpu/percent", [50.0])))
    assert client.jobs.get_metric_history(run.name, "train/loss").values == [3.0, 2.0]
    assert client.jobs.get_metric_history(run.name, "system/cpu/percent").values == [50.0]


def test_latest_metric_is_highest_step_even_when_logged_out_of_order(client):
    run = client.jobs.create_run(RunCreate())
    batch = [
        MetricPoint(key="acc", value=0.9, step=10, timestamp=5),
        MetricPoint(key="acc", value=0.1, step=1, timestamp=9),
    ]
    client.jobs.log_batch(run.name, LogBatch(metrics=batch))
    client.jobs.log_batch(
        run.name, LogBatch(metrics=[MetricPoint(key="acc", value=0.2, step=2, timestamp=10)])
    )
    assert client.jobs.get(run.name).metrics["acc"] == 0.9


def test_downsampled_history_keeps_spikes(client):
    run = client.jobs.create_run(RunCreate())
    values = [1.0] * 10_000
    values[4321] = 99.0
    values[8000] = -5.0
    client.jobs.log_batch(run.name, LogBatch(metrics=_points("x", values)))
    series = client.jobs.get_metric_history(run.name, "x", max_points=100)
    assert series.downsampled
    assert series.total_points == 10_000
    assert len(series.values) <= 100
    assert 99.0 in series.values
    assert -5.0 in series.values
    assert series.steps == sorted(series.steps)


def test_params_are_immutable(client):
    run = client.jobs.create_run(RunCreate(params={"lr": "0.1"}))
    client.jobs.log_batch(run.name, LogBatch(params={"lr": "0.1"}))  # same value: accepted
    with pytest.raises(ConflictError, match="lr"):
        client.jobs.log_batch(run.name, LogBatch(params={"lr": "0.2"}))
    assert client.jobs.get(run.name).params == {"lr": "0.1"}


def test_status_transitions_follow_the_table(client):
    run = client.jobs.create_run(RunCreate(spec={"command": "python train.py"}))
    done = client.jobs.set_status(run.name, "Completed")
    assert done.status == RunStatus.COMPLETED
    assert done.end_time is not None
    assert done.duration_s is not None
    assert done.duration_s >= 0
    with pytest.raises(ConflictError, match="Completed"):
        client.jobs.set_status(run.name, "Running")


def test_an_ended_interactive_run_may_be_resumed(client):
    run = client.jobs.create_run(RunCreate())
    client.jobs.set_status(run.name, "Completed")
    resumed = client.jobs.set_status(run.name, "Running")
    assert resumed.status == RunStatus.RUNNING
    assert resumed.end_time is None
    with pytest.raises(ConflictError, match="Running"):
        client.jobs.set_status(run.name, "Queued")


def test_partial_update_changes_only_sent_fields(client):
    run = client.jobs.create_run(RunCreate(display_name="keep", description="d"))
    updated = client.jobs.update(run.name, RunUpdate(description="new"))
    assert updated.display_name == "keep"
    assert updated.description == "new"


def test_unknown_run_and_workspace_are_not_found(client):
    with pytest.raises(NotFoundError, match="nope"):
        client.jobs.get("nope")
    with pytest.raises(NotFoundError, match="ghost"):
        client.workspaces.get("ghost")


def test_duplicate_run_name_is_refused(client):
    client.jobs.create_run(RunCreate(name="fixed-name"))
    with pytest.raises(AlreadyExistsError):
        client.jobs.create_run(RunCreate(name="fixed-name"))


@pytest.mark.parametrize(
    ("key", "needle"),
    [("", "empty"), ("x" * 251, "250"), ("bad\nkey", "control")],
    ids=["empty", "too-long", "control-char"],
)
def test_bad_metric_keys_are_invalid_argument(client, key, needle):
    run = client.jobs.create_run(RunCreate())
    with pytest.raises(InvalidArgumentError, match=needle):
        client.jobs.log_batch(
            run.name, LogBatch(metrics=[MetricPoint(key=key, value=1.0, timestamp=1)])
        )


def test_list_filters_orders_and_pages(client):
    for i in range(7):
        run = client.jobs.create_run(RunCreate(experiment_name="sweep", params={"i": str(i)}))
        client.jobs.log_batch(
            run.name, LogBatch(metrics=[MetricPoint(key="acc", value=i / 10, timestamp=1)])
        )
    top = client.jobs.list(filter="metrics.acc >= 0.3", order_by=["metrics.acc DESC"])
    assert [r.params["i"] for r in top] == ["6", "5", "4", "3"]
    limited = client.jobs.list(experiment_name="sweep", max_results=5)
    assert len(limited) == 5
    everything = client.jobs.list(experiment_name="sweep")
    assert len(everything) == 7
    with pytest.raises(InvalidArgumentError):
        client.jobs.list(filter="metrics.acc >")


def test_archive_hides_from_list_but_not_from_get(client):
    run = client.jobs.create_run(RunCreate(experiment_name="arch"))
    client.jobs.archive(run.name)
    assert client.jobs.list(experiment_name="arch") == []
    assert client.jobs.get(run.name).archived
    assert len(client.jobs.list(experiment_name="arch", include_archived=True)) == 1
    client.jobs.restore(run.name)
    assert len(client.jobs.list(experiment_name="arch")) == 1


def test_child_runs_know_their_parent(client):
    parent = client.jobs.create_run(RunCreate())
    child = client.jobs.create_run(RunCreate(parent_name=parent.name))
    assert client.jobs.get(child.name).parent_name == parent.name
    assert client.jobs.get(parent.name).children == [child.name]


def test_files_upload_list_and_download(client, tmp_path):
    run = client.jobs.create_run(RunCreate())
    src = tmp_path / "model.bin"
    src.write_bytes(b"\x00\x01" * 1000)
    client.jobs.upload_file(run.name, src, "outputs/model.bin")
    files = client.jobs.list_files(run.name)
    assert [(f.path, f.size) for f in files if not f.is_dir] == [("outputs/model.bin", 2000)]
    written = client.jobs.download(run.name, tmp_path / "down")
    assert [p.read_bytes() for p in written] == [src.read_bytes()]


@pytest.mark.parametrize(
    "path", ["../escape", "/abs/path", "a//b"], ids=["dotdot", "absolute", "empty-seg"]
)
def test_bad_artifact_paths_are_refused(client, tmp_path, path):
    run = client.jobs.create_run(RunCreate())
    src = tmp_path / "f.txt"
    src.write_text("x")
    with pytest.raises(InvalidArgumentError):
        client.jobs.upload_file(run.name, src, path)
    assert client.jobs.list_files(run.name) == []


def test_experiments_and_workspaces(client):
    client.experiments.create("exp-a", tags={"k": "v"})
    with pytest.raises(AlreadyExistsError):
        client.experiments.create("exp-a")
    client.jobs.create_run(RunCreate(experiment_name="exp-a"))
    exp = client.experiments.get("exp-a")
    assert exp.tags == {"k": "v"}
    assert exp.run_count == 1
    assert "exp-a" in [e.name for e in client.experiments.list()]
    client.workspaces.create("team-b")
    assert [w.name for w in client.workspaces.list()] == ["default", "team-b"]


def test_max_results_below_one_is_refused(client):
    client.jobs.create_run(RunCreate())
    with pytest.raises(InvalidArgumentError, match="max_results"):
        client.jobs.list(max_results=0)
    with pytest.raises(InvalidArgumentError, match="max_results"):
        client.experiments.list(max_results=0)


def test_missing_file_names_the_run_relative_path(client, tmp_path):
    import io

    run = client.jobs.create_run(RunCreate())
    with pytest.raises(NotFoundError, match="no file 'nothere.txt'") as info:
        client.jobs.open_file(run.name, "nothere.txt", io.BytesIO())
    assert "workspaces/" not in info.value.message


def test_overlong_tag_and_param_values_are_refused(client):
    with pytest.raises(InvalidArgumentError, match="6000"):
        client.jobs.create_run(RunCreate(tags={"note": "x" * 6001}))
    run = client.jobs.create_run(RunCreate())
    with pytest.raises(InvalidArgumentError, match="'p'"):
        client.jobs.log_batch(run.name, LogBatch(params={"p": "y" * 6001}))


def test_columnar_metrics_are_stored_like_points(client):
    from basalt.spec.runs import MetricColumns

    run = client.jobs.create_run(RunCreate())
    cols = MetricColumns(
        keys=["a", "a", "b"], values=[1.0, math.nan, 3.0], steps=[0, 1, 0], timestamps=[5, 6, 7]
    )
    batch = LogBatch(
        metrics=[MetricPoint(key="a", value=9.0, step=2, timestamp=8)], metric_columns=cols
    )
    assert client.jobs.log_batch(run.name, batch).metrics == 4
    series = client.jobs.get_metric_history(run.name, "a")
    assert series.steps == [0, 1, 2]
    assert math.isnan(series.values[1])
    assert client.jobs.get(run.name).metrics == {"a": 9.0, "b": 3.0}


def test_columns_of_different_lengths_are_refused(client):
    from basalt.spec.runs import MetricColumns

    with pytest.raises(InvalidArgumentError, match="same length"):
        MetricColumns(keys=["a"], values=[1.0, 2.0], steps=[0], timestamps=[1])
