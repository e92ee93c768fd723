"""Online scoring: Basalt's gateway, one of its workers directly, and ``mlflow models serve``.

One MLflow scikit-learn model (a logistic regression on 4 columns, saved with
``mlflow.sklearn.save_model``) is served three ways, and the same 1-row request
(``{"dataframe_split": ...}``) is sent by a load generator in its own process
(``bench/_loadgen.py``: closed loop, N kept-alive connections, 1 s warm-up, then
``SECONDS`` s measured), at concurrency 1, 8 and 32:

- **gateway**: a no-code deployment (``instance_count: 1``,
  ``max_concurrent_requests_per_instance: 8``, as MLflow's one server process has no limit of
  its own) behind ``basalt serve``, with its key;
- **direct**: the same deployment's worker process, bypassing the gateway;
- **mlflow**: ``mlflow models serve --env-manager local --workers 1`` (MLflow 3.17.2 in the
  benchmark's own venv, see bench_mlflow.py), the baseline.

Figures: the gateway's added latency (gateway p50 minus direct p50 at concurrency 1; target
under 1 ms), end-to-end p50 at concurrency 1 (target under 2 ms), and requests/s through the
gateway at concurrency 8 against MLflow's in the same run (target: 10 times). Also, for
reference, rows/s of the bare model's ``mlflow.pyfunc`` ``predict`` on one row in-process
(what ``mlflow models serve`` calls per request; Basalt's no-code path calls the
scikit-learn model itself after its own signature checks, see serving/nocode_score.py).
All processes share this machine's CPUs with the load generator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import BASALT_CLI, child_env, free_port, row  # noqa: E402
from bench_mlflow import _mlflow_bin  # noqa: E402

LOADGEN = Path(__file__).resolve().parent / "_loadgen.py"
SECONDS = 4.0
CONCURRENCY = (1, 8, 32)
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
REQUEST = {"dataframe_split": {"columns": COLUMNS, "data": [[5.1, 3.5, 1.4, 0.2]]}}


def _save_model(folder: Path) -> None:
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from mlflow.sklearn import save_model
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] + x[:, 2] > 0).astype(int)
    frame = pd.DataFrame(x, columns=COLUMNS)
    model = LogisticRegression().fit(frame, y)
    save_model(
        model,
        str(folder),
        signature=infer_signature(frame, model.predict(frame)),
        serialization_format="cloudpickle",
    )


def _bare_rows_per_s(folder: Path) -> float:
    import mlflow.pyfunc
    import pandas as pd

    model = mlflow.pyfunc.load_model(str(folder))
    frame = pd.DataFrame(REQUEST["dataframe_split"]["data"], columns=COLUMNS)
    for _ in range(50):
        model.predict(frame)
    began = time.perf_counter()
    n = 0
    while time.perf_counter() - began < 2.0:
        model.predict(frame)
        n += 1
    return n / (time.perf_counter() - began)


def _load(url: str, body: Path, concurrency: int, headers: list[str]) -> dict[str, float]:
    argv = [sys.executable, str(LOADGEN), url, str(body), "--concurrency", str(concurrency)]
    argv += ["--seconds", str(SECONDS)]
    for header in headers:
        argv += ["--header", header]
    done = subprocess.run(argv, check=True, capture_output=True, text=True, env=child_env())
    result: dict[str, float] = json.loads(done.stdout)
    if result["failures"]:
        raise RuntimeError(f"{url}: {result['failures']} failed requests at c={concurrency}")
    return result


@contextmanager
def _basalt(root: Path, model: Path, request: Path) -> Iterator[tuple[str, str, str]]:
    """A no-code deployment behind ``basalt serve``: (gateway URL, key header, worker URL)."""
    from basalt.client.client import Client
    from basalt.config import load_settings
    from basalt.serving.host import running, stop_serving
    from basalt.spec.endpoints import (
        InlineModel,
        OnlineDeploymentCreate,
        OnlineEndpointCreate,
        ProvisioningState,
        RequestSettings,
    )

    subprocess.run(
        [str(BASALT_CLI), "init", str(root)], check=True, env=child_env(), capture_output=True
    )
    settings = load_settings(root)
    client = Client(settings=settings)
    try:
        client.online_endpoints.create(OnlineEndpointCreate(name="bench"))
        client.online_deployments.create(
            OnlineDeploymentCreate(
                name="blue",
                endpoint_name="bench",
                model=InlineModel(path=str(model)),
                request_settings=RequestSettings(max_concurrent_requests_per_instance=8),
                all_traffic=True,
            )
        )
        deadline = time.monotonic() + 120
        while True:
            state = client.online_deployments.get("blue", "bench").provisioning_state
            if state == ProvisioningState.SUCCEEDED:
                break
            if state == ProvisioningState.FAILED or time.monotonic() > deadline:
                logs = client.online_deployments.get_logs("blue", "bench")
                raise RuntimeError(f"the benchmark deployment did not start ({state}): {logs}")
            time.sleep(0.1)
        answer = client.online_endpoints.invoke("bench", request)
        if not json.loads(answer):
            raise RuntimeError(f"the benchmark deployment answered {answer!r}")
        key = client.online_endpoints.get_keys("bench").primary_key.get_secret_value()
        info = running(settings)
        assert info is not None
        port_file = next((root / ".basalt" / "deployments").rglob(".worker-0.port"))
        worker = f"http://127.0.0.1:{port_file.read_text().strip()}/score"
        yield f"{info.url}/endpoints/bench/score", f"Authorization: Bearer {key}", worker
    finally:
        stop_serving(settings)
        client.close()


@contextmanager
def _mlflow(model: Path) -> Iterator[str]:
    mlflow = _mlflow_bin()
    port = free_port()
    proc = subprocess.Popen(
        [str(mlflow), "models", "serve", "-m", str(model), "--env-manager", "local"]
        + ["-h", "127.0.0.1", "-p", str(port), "--workers", "1"],
        # NOTE: mlflow runs `uvicorn` by name, so its venv's bin must come first on PATH
        env=child_env(
            MLFLOW_DISABLE_TELEMETRY="true",
            PATH=f"{mlflow.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    import urllib.request

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):  # noqa: S310
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read() if proc.stderr else ""
                    raise RuntimeError(f"mlflow models serve did not start: {err[-800:]}") from None
                time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/invocations"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def run() -> list[dict[str, Any]]:
    """The figures (see the module docstring)."""
    results: dict[tuple[str, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="basalt-bench-serving-") as tmp:
        folder = Path(tmp)
        model = folder / "model"
        _save_model(model)
        body = folder / "request.json"
        body.write_text(json.dumps(REQUEST))
        bare = _bare_rows_per_s(model)
        with _basalt(folder / "ws", model, body) as (gateway, key, worker):
            for c in CONCURRENCY:
                results[("gateway", c)] = _load(gateway, body, c, [key])
                results[("direct", c)] = _load(worker, body, c, [])
        with _mlflow(model) as url:
            for c in CONCURRENCY:
                results[("mlflow", c)] = _load(url, body, c, [])
    return _rows(results, bare)


def _rows(results: dict[tuple[str, int], dict[str, float]], bare: float) -> list[dict[str, Any]]:
    g1, d1 = results[("gateway", 1)], results[("direct", 1)]
    g8, m8 = results[("gateway", 8)], results[("mlflow", 8)]
    added = g1["p50_ms"] - d1["p50_ms"]
    ratio = g8["rps"] / m8["rps"] if m8["rps"] else float("inf")
    rows = [
        row(
            "serving_gateway_added_p50_c1",
            added,
            "ms",
            "< 1 ms",
            baseline=d1["p50_ms"],
            baseline_name="straight to the worker, p50",
            notes="gateway p50 minus direct-to-worker p50, 1-row sklearn request, concurrency 1",
        ),
        row(
            "serving_end_to_end_p50_c1",
            g1["p50_ms"],
            "ms",
            "< 2 ms",
            notes=f"through the gateway; p99 {g1['p99_ms']:.2f} ms",
        ),
        row(
            "serving_gateway_rps_c8",
            g8["rps"],
            "requests/s",
            ">= 10x mlflow models serve",
            baseline=m8["rps"],
            baseline_name="mlflow models serve (3.17.2, 1 worker), same run",
            ratio=ratio,
            passed=ratio >= 10,
            notes=f"p50 {g8['p50_ms']:.2f} ms vs MLflow's {m8['p50_ms']:.2f} ms",
        ),
    ]
    for (target, c), r in sorted(results.items()):
        rows.append(
            row(
                f"serving_{target}_c{c}",
                r["rps"],
                "requests/s",
                "info",
                notes=f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms",
            )
        )
    rows.append(
        row(
            "serving_bare_model_rows_per_s",
            bare,
            "rows/s",
            "info",
            notes="mlflow.pyfunc predict on one row, in-process: the ceiling for a pyfunc server",
        )
    )
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
