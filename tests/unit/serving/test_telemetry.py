"""The serving host's counters: per-minute drains for the store, Prometheus text since start."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from basalt.serving.collection import CollectedRecord, CollectionQueue, collection_settings
from basalt.serving.mirror import answers_agree
from basalt.serving.telemetry import Telemetry

BLUE = ("ws", "ep", "blue")
OTHER = ("team-b", "ep", "green")


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_counts_are_drained_per_minute_and_restored_after_a_failed_store() -> None:
    clock = _Clock()
    t = Telemetry(clock)
    t.request(BLUE, 200, 1.5)
    t.request(BLUE, 500, 30.0)
    t.restart(BLUE)
    clock.now += 60
    t.request(BLUE, 200, 2.0)
    drained = sorted(t.drain(), key=lambda c: c.minute)
    assert [c.requests for c in drained] == [2, 1]
    assert drained[0].status_counts == {"200": 1, "500": 1}
    assert drained[0].worker_restarts == 1
    assert t.drain() == []
    t.restore(drained)  # the store was down: the next flush carries them
    t.request(BLUE, 200, 2.0)
    again = sorted(t.drain(), key=lambda c: c.minute)
    assert [c.requests for c in again] == [2, 2]


def test_prometheus_text_parses_and_hides_other_workspaces() -> None:
    t = Telemetry()
    for ms in (0.4, 0.8, 3.0, 700.0):
        t.request(BLUE, 200, ms)
    t.request(BLUE, 429, 0.2)
    t.request(OTHER, 200, 1.0)
    t.mirror(BLUE, agreed=True, error=False, delta_ms=0.1)
    text = t.prometheus(lambda ws: ws == "ws")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    requests = {s.labels["status"]: s.value for s in families["basalt_endpoint_requests"].samples}
    assert requests == {"200": 4, "429": 1}
    hist = families["basalt_endpoint_request_duration_seconds"].samples
    le = {s.labels["le"]: s.value for s in hist if s.name.endswith("_bucket")}
    assert le["0.001"] == 3  # 0.2, 0.4 and 0.8 ms
    assert le["+Inf"] == 5
    assert [s.value for s in hist if s.name.endswith("_count")] == [5]
    mirror = families["basalt_endpoint_mirror_agreed"].samples
    assert [s.value for s in mirror] == [1]
    assert "team-b" not in text
    assert 'workspace="team-b"' in t.prometheus()


def test_answers_agree_on_status_and_json_with_float_tolerance() -> None:
    assert answers_agree(200, b"[1.0, 2.0]", 200, b"[1.0000000001, 2]")
    assert answers_agree(200, b'{"a": [1, "x"]}', 200, b'{"a":[1,"x"]}')
    assert not answers_agree(200, b"[1.0]", 200, b"[1.1]")
    assert not answers_agree(200, b"[1.0]", 500, b"[1.0]")
    assert not answers_agree(200, b'{"a": 1}', 200, b'{"a": 1, "b": 2}')
    assert answers_agree(200, b"plain", 200, b"plain")
    assert not answers_agree(200, b"plain", 200, b"other")
    assert not answers_agree(200, b"[true]", 200, b"[1]")


def test_collection_settings_read_azure_yaml() -> None:
    assert not collection_settings(None).enabled
    azure = collection_settings(
        {
            "collections": {
                "model_inputs": {"enabled": "True"},
                "model_outputs": {"enabled": "False"},
            }
        }
    )
    assert (azure.inputs, azure.outputs, azure.enabled) == (True, False, True)
    both = collection_settings(
        {"collections": {"model_inputs_outputs": {"enabled": True}}, "sampling_rate": 0.25}
    )
    assert (both.inputs, both.outputs, both.sampling_rate) == (True, True, 0.25)
    assert not collection_settings({"collections": {"model_inputs": {"enabled": "no"}}}).enabled


def test_a_full_collection_queue_refuses_instead_of_blocking() -> None:
    queue = CollectionQueue(limit=2)
    record = CollectedRecord("ws", "ep", "blue", "model_inputs", 0.0, "r", "", b"{}")
    assert queue.put(record)
    assert queue.put(record)
    assert not queue.put(record)
    assert len(queue.take()) == 2
    assert queue.put(record)
