"""The MLflow wire models accept what MLflow's clients send and refuse what its server refuses."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from basalt.spec import mlflow as wire


def test_int64_as_numbers_or_strings_and_doubles_as_strings():
    metric = wire.LogMetric.model_validate(
        {"run_id": "r", "key": "k", "value": "NaN", "timestamp": "1700000000000", "step": "3"}
    )
    assert math.isnan(metric.value)
    assert (metric.timestamp, metric.step) == (1_700_000_000_000, 3)
    for text, value in [("Infinity", math.inf), ("-Infinity", -math.inf), (2.5, 2.5)]:
        assert wire.Metric(key="k", value=text, timestamp=0).value == value
    with pytest.raises(ValidationError):
        wire.Metric(key="k", value=1, timestamp=2**63)
    with pytest.raises(ValidationError):
        wire.Metric(key="k", value=1, timestamp="1.5")


def test_run_uuid_unknown_fields_and_enum_numbers():
    request = wire.UpdateRun.model_validate({"run_uuid": "abc", "status": 3, "extra": [1]})
    assert (request.run_id, request.status) == ("abc", "FINISHED")
    assert wire.UpdateRun.model_validate({"run_id": "a", "status": "killed"}).status == "KILLED"
    assert wire.SearchRuns.model_validate({"run_view_type": "2"}).run_view_type == "DELETED_ONLY"
    with pytest.raises(ValidationError):
        wire.UpdateRun.model_validate({"status": "FINISHED"})  # no run id at all


@pytest.mark.parametrize(
    ("field", "count", "ok"),
    [
        ("metrics", 1000, True),
        ("metrics", 1001, False),
        ("params", 100, True),
        ("params", 101, False),
        ("tags", 101, False),
    ],
)
def test_log_batch_limits(field, count, ok):
    item = {"key": "m", "value": 1, "timestamp": 1} if field == "metrics" else None
    items = [item or {"key": f"k{i}", "value": "v"} for i in range(count)]
    body = {"run_id": "r", field: items}
    if ok:
        wire.LogBatch.model_validate(body)
    else:
        with pytest.raises(ValidationError, match=f"at most .* {field}"):
            wire.LogBatch.model_validate(body)


def test_log_batch_refuses_one_param_with_two_values():
    params = [{"key": "p", "value": "1"}, {"key": "p", "value": "2"}]
    with pytest.raises(ValidationError, match="Duplicate parameter key 'p'"):
        wire.LogBatch.model_validate({"run_id": "r", "params": params})
    same = [{"key": "p", "value": "1"}, {"key": "p", "value": "1"}]
    assert len(wire.LogBatch.model_validate({"run_id": "r", "params": same}).params) == 2


def test_max_results_bounds():
    assert wire.SearchRuns().max_results == 1000
    assert wire.SearchRuns(max_results=50_000).max_results == 50_000
    with pytest.raises(ValidationError):
        wire.SearchRuns(max_results=50_001)
    with pytest.raises(ValidationError):
        wire.SearchExperiments(max_results=0)


def test_dataset_schema_travels_under_its_wire_name():
    item = wire.DatasetInput.model_validate(
        {"dataset": {"name": "n", "digest": "d", "source_type": "s", "source": "x", "schema": "{}"}}
    )
    assert item.dataset.schema_ == "{}"
    assert item.model_dump(by_alias=True, exclude_none=True)["dataset"]["schema"] == "{}"
