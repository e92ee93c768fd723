"""Gateway + supervisor as real processes: deployments served, routed, restarted, updated.

The app (gateway) runs under uvicorn on a loopback port in a thread; the supervisor runs its
workers as real processes of ``serving/worker.py``. Deployments are made through the control
plane (``services.deployments``), as the CLI and SDK make them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import types
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from basalt.config import Settings
from basalt.daemons.deployments import DeploymentSupervisor
from basalt.daemons.serving_flush import ServingFlusher
from basalt.services.container import Services
from basalt.serving.routing import RoutingTable
from basalt.spec.endpoints import (
    CodeConfiguration,
    InlineModel,
    OnlineDeploymentCreate,
    OnlineEndpointCreate,
    OnlineEndpointUpdate,
    ProbeSettings,
    ProvisioningState,
    RequestSettings,
)
from basalt.spec.models import ModelFile
from basalt.spec.telemetry import MetricsPoint

WS = "default"

# Azure ML's documented scoring script (cli/endpoints/online/model-1/onlinescoring/score.py),
# its long docstring lines wrapped.
AZURE_SCORE = '''
import os
import logging
import json
import numpy
import joblib


def init():
    """
    This function is called when the container is initialized/started, typically after
    create/update of the deployment.
    You can write the logic here to perform init operations like caching the model in memory
    """
    global model
    # AZUREML_MODEL_DIR is an environment variable created during deployment.
    # It is the path to the model folder (./azureml-models/$MODEL_NAME/$VERSION)
    # Please provide your model's folder name if there is one
    model_path = os.path.join(
        os.getenv("AZUREML_MODEL_DIR"), "model/sklearn_regression_model.pkl"
    )
    # deserialize the model file back into a sklearn model
    model = joblib.load(model_path)
    logging.info("Init complete")


def run(raw_data):
    """
    This function is called for every invocation of the endpoint to perform the actual
    scoring/prediction.
    In the example we extract the data from the json input and call the scikit-learn model's
    predict()
    method and return the result back
    """
    logging.info("model 1: request received")
    data = json.loads(raw_data)["data"]
    data = numpy.array(data)
    result = model.predict(data)
    logging.info("Request processed")
    return result.tolist()
'''

VERSIONED = """
import json, os, time

def init():
    global label
    label = os.environ.get("LABEL", "?")
    if os.environ.get("INIT_FAIL"):
        raise RuntimeError("cannot load the model: " + os.environ["INIT_FAIL"])

def run(raw_data):
    request = json.loads(raw_data) if raw_data else {}
    if request.get("sleep"):
        time.sleep(request["sleep"])
    return {"label": label, "pid": os.getpid()}
"""


@dataclass
class Serving:
    """A running gateway with its supervisor."""

    url: str
    services: Services
    routing: RoutingTable
    tmp: Path
    http: httpx.Client
    flusher: ServingFlusher

    def metrics(self, endpoint: str, deployment: str) -> MetricsPoint:
        """The deployment's totals in the store, after storing what the gateway counted."""
        self.flusher.flush()
        return self.services.deployment_metrics.get(WS, endpoint, deployment).total

    def key(self, endpoint: str) -> str:
        keys = self.services.endpoints.get_credentials(WS, endpoint)
        return keys.primary_key.get_secret_value()

    def score(
        self, endpoint: str, body: Any, key: str | None = None, deployment: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.key(endpoint)}"}
        if deployment:
            headers["azureml-model-deployment"] = deployment
        return self.http.post(f"{self.url}/endpoints/{endpoint}/score", json=body, headers=headers)


def _upload(services: Services, folder: Path) -> list[ModelFile]:
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        with path.open("rb") as fh:
            services.models.blobs.put_blob(sha, fh)
        files.append(
            ModelFile(path=path.relative_to(folder).as_posix(), sha256=sha, size=len(data))
        )
    return files


def deploy(
    s: Serving,
    endpoint: str,
    name: str,
    script: str = VERSIONED,
    *,
    wait: bool = True,
    **settings: Any,
) -> int:
    """Create or replace a deployment; its generation (waits for Succeeded with ``wait``)."""
    code = s.tmp / f"code-{name}-{time.monotonic_ns()}"
    code.mkdir(parents=True)
    (code / "score.py").write_text(script)
    (code / "tiny_model.py").write_text(TINY_MODEL)
    model = s.tmp / "model-1" / "model"
    if not model.exists():
        _sklearn_model(model)
    body = OnlineDeploymentCreate(
        name=name,
        endpoint_name=endpoint,
        model=InlineModel(path=str(model), files=_upload(s.services, model)),
        code_configuration=CodeConfiguration(code=str(code), scoring_script="score.py"),
        code_files=_upload(s.services, code),
        **settings,
    )
    created = s.services.deployments.create(WS, body, replace=True)
    if wait:
        assert wait_state(s, endpoint, name, created.generation) == ProvisioningState.SUCCEEDED
    return created.generation


TINY_MODEL = """
import numpy


class LinearModel:
    \"\"\"What the script needs of a scikit-learn regressor: predict(X).\"\"\"

    def __init__(self, coef, intercept):
        self.coef = numpy.asarray(coef)
        self.intercept = intercept

    def predict(self, X):
        return numpy.asarray(X) @ self.coef + self.intercept
"""


def _sklearn_model(folder: Path) -> None:
    """A pickled regressor at ``model/sklearn_regression_model.pkl``, as in Azure's sample.

    NOTE: a tiny class with scikit-learn's ``predict`` instead of scikit-learn itself, whose
    import costs ~5 s per worker without cached bytecode; the class's module travels in the
    code folder (``tiny_model.py``), which is on the worker's ``sys.path``.
    """
    import joblib

    module = types.ModuleType("tiny_model")
    exec(TINY_MODEL, module.__dict__)  # noqa: S102 - the test's own source
    sys.modules["tiny_model"] = module
    try:
        folder.mkdir(parents=True)
        joblib.dump(module.LinearModel([1.0] * 10, 0.0), folder / "sklearn_regression_model.pkl")
    finally:
        del sys.modules["tiny_model"]


def wait_state(
    s: Serving, endpoint: str, name: str, generation: int, timeout: float = 15
) -> ProvisioningState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = s.services.deployments.get(WS, endpoint, name)
        done = found.provisioning_state in (ProvisioningState.SUCCEEDED, ProvisioningState.FAILED)
        if found.observed_generation == generation and done:
            return found.provisioning_state
        time.sleep(0.05)
    raise AssertionError(f"deployment {name} did not settle: {found}")


def settle(s: Serving) -> None:
    """Let the gateway's cached routing (traffic, keys) expire."""
    time.sleep(0.6)


@pytest.fixture
def serving(settings: Settings, services: Services, tmp_path: Path) -> Iterator[Serving]:
    import uvicorn

    from basalt.server.app import create_app

    routing = RoutingTable()
    supervisor = DeploymentSupervisor(services.deployments, routing, settings.envs_dir())
    server_settings = settings.server.model_copy(update={"auth": "none"})
    app = create_app(
        settings.model_copy(update={"server": server_settings}), services=services, routing=routing
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    supervisor.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with httpx.Client(timeout=30) as http:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        flusher = ServingFlusher(routing, services.deployment_metrics, services.data_collection)
        yield Serving(url, services, routing, tmp_path, http, flusher)
    supervisor.stop()
    server.should_exit = True
    thread.join(10)


def _endpoint(s: Serving, name: str = "ep", **kw: Any) -> None:
    s.services.endpoints.create(WS, OnlineEndpointCreate(name=name, **kw))


def test_azure_docs_scoring_script_serves_predictions(serving: Serving) -> None:
    _endpoint(serving)
    deploy(serving, "ep", "blue", AZURE_SCORE, all_traffic=True)
    settle(serving)
    answer = serving.score("ep", {"data": [[1.0] * 10, [0.0] * 10]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == pytest.approx([10.0, 0.0])
    assert answer.headers["azureml-model-deployment"] == "blue"
    assert answer.headers["x-request-id"]
    # the workspace form of the address, and invoke through the control plane
    keyed = {"Authorization": f"Bearer {serving.key('ep')}"}
    long = serving.http.post(
        f"{serving.url}/workspaces/{WS}/endpoints/ep/score",
        json={"data": [[1.0] * 10]},
        headers=keyed,
    )
    assert long.json() == pytest.approx([10.0])


def test_key_auth_and_unknown_endpoint(serving: Serving) -> None:
    _endpoint(serving)
    deploy(serving, "ep", "blue", all_traffic=True, environment_variables={"LABEL": "blue"})
    settle(serving)
    assert serving.score("ep", {}, key="wrong").status_code == 401
    no_header = serving.http.post(f"{serving.url}/endpoints/ep/score", json={})
    assert no_header.status_code == 401
    assert "get-credentials" in no_header.json()["error"]["message"]
    secondary = serving.services.endpoints.get_credentials(WS, "ep").secondary_key
    assert serving.score("ep", {}, key=secondary.get_secret_value()).status_code == 200
    assert serving.score("nope", {}, key="x").status_code == 404


def test_traffic_split_header_routing_and_mirror(serving: Serving) -> None:
    _endpoint(serving)
    deploy(serving, "ep", "blue", environment_variables={"LABEL": "blue"})
    deploy(serving, "ep", "green", environment_variables={"LABEL": "green"})
    deploy(serving, "ep", "shadow", environment_variables={"LABEL": "shadow"})
    serving.services.endpoints.update(
        WS,
        "ep",
        OnlineEndpointUpdate(
            traffic={"blue": 80, "green": 20, "shadow": 0}, mirror_traffic={"shadow": 50}
        ),
    )
    settle(serving)
    key = serving.key("ep")
    counts: Counter[str] = Counter()
    for _ in range(200):
        answer = serving.score("ep", {}, key=key)
        assert answer.status_code == 200
        assert answer.json()["label"] == answer.headers["azureml-model-deployment"]
        counts[answer.json()["label"]] += 1
    assert set(counts) == {"blue", "green"}  # the mirror's answers are never returned
    assert 130 <= counts["blue"] <= 185, counts  # 160 expected
    for name in ("blue", "green", "shadow"):
        answer = serving.score("ep", {}, key=key, deployment=name)
        assert answer.json()["label"] == name
    assert serving.score("ep", {}, key=key, deployment="purple").status_code == 404
    time.sleep(0.3)  # the last mirrored copies are answered in the background
    blue, shadow = serving.metrics("ep", "blue"), serving.metrics("ep", "shadow")
    assert blue.requests == counts["blue"] + 1
    assert blue.status_counts == {"200": counts["blue"] + 1}
    assert blue.latency_ms_p50 is not None
    assert blue.latency_ms_p50 > 0
    assert shadow.requests == 1  # only the one sent to it by header
    assert 70 <= shadow.mirror.requests <= 130, shadow.mirror  # 100 expected
    assert shadow.mirror.agreed == 0  # it answers "shadow" where live said "blue"/"green"
    assert shadow.mirror.errors == 0
    assert shadow.mirror.agreement_rate == 0.0


def test_overload_is_429(serving: Serving) -> None:
    _endpoint(serving)
    deploy(
        serving,
        "ep",
        "blue",
        all_traffic=True,
        request_settings=RequestSettings(
            max_concurrent_requests_per_instance=1, max_queue_wait_ms=100
        ),
    )
    settle(serving)
    key = serving.key("ep")
    with ThreadPoolExecutor(4) as pool:
        codes = list(
            pool.map(lambda _: serving.score("ep", {"sleep": 0.5}, key).status_code, range(4))
        )
    assert sorted(codes) == [200, 429, 429, 429]
    assert serving.score("ep", {}, key).status_code == 200
    text = serving.http.get(f"{serving.url}/metrics").text
    found = {
        (s.labels["deployment"], s.labels["status"]): s.value
        for family in text_string_to_metric_families(text)
        if family.name == "basalt_endpoint_requests"
        for s in family.samples
    }
    assert found == {("blue", "200"): 2, ("blue", "429"): 3}


def test_request_timeout_is_504(serving: Serving) -> None:
    _endpoint(serving)
    deploy(
        serving,
        "ep",
        "blue",
        all_traffic=True,
        request_settings=RequestSettings(request_timeout_ms=200),
    )
    settle(serving)
    answer = serving.score("ep", {"sleep": 1})
    assert answer.status_code == 504
    assert "request_timeout_ms" in answer.json()["error"]["message"]


def test_killed_worker_comes_back(serving: Serving) -> None:
    _endpoint(serving)
    deploy(serving, "ep", "blue", all_traffic=True, instance_count=2)
    settle(serving)
    key = serving.key("ep")
    pids = {serving.score("ep", {}, key).json()["pid"] for _ in range(4)}
    assert len(pids) == 2  # round robin over both workers
    victim = min(pids)
    os.kill(victim, signal.SIGKILL)
    failures = 0
    for _ in range(50):  # the other worker keeps serving while the victim restarts
        answer = serving.score("ep", {}, key)
        failures += answer.status_code != 200
    assert failures <= 1  # at most a request caught on the dying worker
    deadline = time.monotonic() + 10
    while True:
        seen = {serving.score("ep", {}, key).json()["pid"] for _ in range(4)}
        if len(seen) == 2:
            break
        assert time.monotonic() < deadline, "the killed worker did not come back"
        time.sleep(0.2)
    assert victim not in seen
    assert serving.metrics("ep", "blue").worker_restarts == 1


def test_update_under_load_drops_nothing(serving: Serving) -> None:
    _endpoint(serving)
    deploy(serving, "ep", "blue", all_traffic=True, environment_variables={"LABEL": "v1"})
    settle(serving)
    key = serving.key("ep")
    stop = threading.Event()
    results: list[tuple[int, str]] = []

    def load() -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                answer = http.post(
                    f"{serving.url}/endpoints/ep/score",
                    json={"sleep": 0.01},
                    headers={"Authorization": f"Bearer {key}"},
                )
                label = answer.json().get("label", "") if answer.status_code == 200 else ""
                results.append((answer.status_code, label))

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(results) < 10:  # the loop is under way on v1
        assert time.monotonic() < deadline, results
        time.sleep(0.02)
    deploy(serving, "ep", "blue", environment_variables={"LABEL": "v2"})
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    codes = Counter(code for code, _ in results)
    assert codes == Counter({200: len(results)}), codes
    labels = [label for _, label in results]
    assert labels[0] == "v1"
    assert labels[-1] == "v2"


def test_init_failure_is_failed_with_traceback(serving: Serving) -> None:
    _endpoint(serving)
    generation = deploy(
        serving,
        "ep",
        "blue",
        wait=False,
        all_traffic=True,
        environment_variables={"INIT_FAIL": "weights.pkl is missing"},
        readiness_probe=ProbeSettings(failure_threshold=3),
    )
    assert wait_state(serving, "ep", "blue", generation) == ProvisioningState.FAILED
    found = serving.services.deployments.get(WS, "ep", "blue")
    assert found.error is not None
    assert "RuntimeError: cannot load the model: weights.pkl is missing" in found.error
    assert "Traceback" in found.error
    logs = serving.services.deployments.get_logs(WS, "ep", "blue").text
    assert "weights.pkl is missing" in logs
    settle(serving)
    answer = serving.score("ep", {})
    assert answer.status_code == 503
    assert "no ready worker" in answer.json()["error"]["message"]
    assert "retry-after" not in answer.headers  # a failed deployment is not worth a retry


def test_deleted_deployment_stops_its_workers(serving: Serving) -> None:
    _endpoint(serving)
    deploy(serving, "ep", "blue", all_traffic=True)
    settle(serving)
    pid = serving.score("ep", {}).json()["pid"]
    serving.services.endpoints.update(WS, "ep", OnlineEndpointUpdate(traffic={}))
    serving.services.deployments.delete(WS, "ep", "blue")
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, "the worker of a deleted deployment still runs"
        time.sleep(0.05)
    assert serving.routing.route(WS, "ep", "blue") is None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purpose
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_no_code_deployment_of_a_pickled_sklearn_model(serving: Serving) -> None:
    """No scoring script: Basalt's no-code script loads the estimator and takes Azure's shapes."""
    import pickle

    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]], [1.0, 2.0, 6.0])
    folder = serving.tmp / "sk"
    folder.mkdir()
    (folder / "model.pkl").write_bytes(pickle.dumps(model))
    _endpoint(serving, "nocode")
    body = OnlineDeploymentCreate(
        name="plain",
        endpoint_name="nocode",
        model=InlineModel(path=str(folder), files=_upload(serving.services, folder)),
    )
    created = serving.services.deployments.create(WS, body, replace=True)
    state = wait_state(serving, "nocode", "plain", created.generation, timeout=60)
    logs = serving.services.deployments.get_logs(WS, "nocode", "plain")
    assert state == ProvisioningState.SUCCEEDED, logs
    serving.services.endpoints.update(WS, "nocode", OnlineEndpointUpdate(traffic={"plain": 100}))
    settle(serving)
    rows = [[1.0, 1.0], [3.0, 0.0]]
    expected = model.predict(rows).tolist()
    answer = serving.score("nocode", {"input_data": {"columns": ["a", "b"], "data": rows}})
    assert answer.status_code == 200, answer.text
    assert answer.json() == pytest.approx(expected)
    assert serving.score("nocode", {"data": rows}).json() == pytest.approx(expected)
    bad = serving.score("nocode", {"nothing": []})
    assert bad.status_code == 400
    assert "input_data" in bad.json()["error"]


def test_data_collection_writes_inputs_and_outputs(serving: Serving) -> None:
    """Requests and answers land as JSON lines per hour; a write that fails drops, never fails."""
    _endpoint(serving)
    collector = {
        "collections": {"model_inputs": {"enabled": "True"}, "model_outputs": {"enabled": True}}
    }
    deploy(serving, "ep", "blue", all_traffic=True, data_collector=collector)
    settle(serving)
    sent = {}
    for i in range(3):
        answer = serving.score("ep", {"row": i})
        assert answer.status_code == 200
        sent[answer.headers["x-request-id"]] = ({"row": i}, answer.json())
    serving.flusher.flush()
    folder = "modelDataCollector/ep/blue"
    files = serving.services.datastores.listing(WS, "workspaceblobstore", folder)
    hour = time.strftime("%Y/%m/%d/%H", time.gmtime())
    assert {f.path.rsplit("/", 1)[0] for f in files} == {
        f"model_inputs/{hour}",
        f"model_outputs/{hour}",
    }
    dest = serving.tmp / "collected"
    serving.services.datastores.download(WS, "workspaceblobstore", folder, dest)
    events = [
        json.loads(line)
        for path in sorted(dest.rglob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    inputs = {e["xrequestid"]: e["data"] for e in events if e["type"].endswith("model_inputs")}
    outputs = {e["xrequestid"]: e["data"] for e in events if e["type"].endswith("model_outputs")}
    assert inputs == {rid: body for rid, (body, _) in sent.items()}
    assert outputs == {rid: answer for rid, (_, answer) in sent.items()}
    assert serving.metrics("ep", "blue").collected == 6

    # the datastore cannot take the inputs' folder any more: requests still succeed
    root = Path(urlparse(serving.services.artifacts.uri()).path)
    blocked = root / f"workspaces/{WS}/datastores/workspaceblobstore/{folder}/model_inputs"
    shutil.rmtree(blocked)
    blocked.write_text("not a folder")
    assert serving.score("ep", {"row": 9}).status_code == 200
    total = serving.metrics("ep", "blue")
    assert (total.collected, total.collection_dropped) == (7, 1)
