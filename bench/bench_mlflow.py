"""MLflow client ``log_batch`` ingest into Basalt and into MLflow's own server, same run.

Figures:
- ``mlflow_client_log_batch_basalt``: points per second that the stock MLflow client
  (``mlflow-skinny==3.17.2`` of our venv) sends with ``MlflowClient(url).log_batch(run_id,
  metrics=[1,000 Metric objects])``, one request at a time, to a ``basalt server start``
  subprocess on SQLite. The batches are built before the clock starts and one untimed batch
  warms the connection. Target: at least 10 times the MLflow figure below, measured in the
  same run (``passed`` is that ratio >= 10; the issue quotes about 2,800 points/s for MLflow).
- ``mlflow_client_log_batch_mlflow_server``: the same driver against ``mlflow server
  --backend-store-uri sqlite:///...`` (MLflow 3.17.2, the full package, ``--workers 1``),
  with fewer points since it is slower; the baseline of the figure above.
- ``mlflow_client_log_batch_ceiling``: the same client's ``log_batch`` against a server that
  does nothing (a stdlib HTTP server in the driver's process answering ``{}``): what the client
  itself can send, so no server can take more through it. It bounds the ratio above: when
  MLflow's server manages more than a tenth of this, 10x is out of any server's reach.

The MLflow server is installed once, with uv, into its own venv under
``~/.cache/basalt-bench/mlflow-3.17.2-venv`` (``BASALT_BENCH_MLFLOW_VENV`` overrides the
folder); that first run needs PyPI and takes a minute or two. When it cannot be installed or
started the module raises, and the harness reports an error row.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import VENV_BIN, Server, child_env, free_port, init_workspace, row, workspace  # noqa: E402

MLFLOW_VERSION = "3.17.2"
BATCH = 1000
BASALT_POINTS = 50_000
MLFLOW_POINTS = 10_000
TARGET_RATIO = 10.0
MLFLOW_VENV = Path(
    os.environ.get(
        "BASALT_BENCH_MLFLOW_VENV",
        Path.home() / ".cache" / "basalt-bench" / f"mlflow-{MLFLOW_VERSION}-venv",
    )
)

# Run by our venv's python (mlflow-skinny 3.17.2); prints one JSON line.
DRIVER = r"""
import json, sys, time, uuid
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

url, points, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = MlflowClient(url)
exp = client.create_experiment(f"bench-{uuid.uuid4().hex[:8]}")
run_id = client.create_run(exp).info.run_id
base = 1_764_000_000_000
batches = [
    [Metric("loss", 1.0 / (i + 1), base + i, i) for i in range(start, start + batch)]
    for start in range(0, points + batch, batch)
]
client.log_batch(run_id, metrics=batches[0])  # warm-up: connection, caches
began = time.perf_counter()
for metrics in batches[1:]:
    client.log_batch(run_id, metrics=metrics)
seconds = time.perf_counter() - began
last = client.get_run(run_id).data.metrics["loss"]
assert abs(last - 1.0 / (points + batch)) < 1e-12, last
print(json.dumps({"points": points, "seconds": seconds}))
"""


MLFLOW_VENV_PACKAGES = [f"mlflow=={MLFLOW_VERSION}", "scikit-learn==1.9.1"]
"""What the venv holds: the server, and scikit-learn for ``mlflow models serve`` (serving)."""


def _mlflow_bin() -> Path:
    """The ``mlflow`` script of the benchmark's own MLflow venv, installed on first use."""
    script = MLFLOW_VENV / "bin" / "mlflow"
    marker = MLFLOW_VENV / ".basalt-bench-installed"
    wanted = " ".join(MLFLOW_VENV_PACKAGES) + "\n"
    if script.exists() and marker.exists() and marker.read_text() == wanted:
        return script
    uv = VENV_BIN / "uv"
    uv_cmd = [str(uv)] if uv.exists() else [sys.executable, "-m", "uv"]
    shutil.rmtree(MLFLOW_VENV, ignore_errors=True)
    MLFLOW_VENV.parent.mkdir(parents=True, exist_ok=True)
    env = child_env(VIRTUAL_ENV=str(MLFLOW_VENV))
    try:
        subprocess.run(
            [*uv_cmd, "venv", "-q", "--python", sys.executable, str(MLFLOW_VENV)],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        )
        subprocess.run(
            [*uv_cmd, "pip", "install", "-q", *MLFLOW_VENV_PACKAGES],
            check=True,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        raise RuntimeError(
            f"cannot install mlflow=={MLFLOW_VERSION} into {MLFLOW_VENV}: {exc} {detail[-800:]}"
        ) from exc
    marker.write_text(wanted)
    return script


class MlflowServer:
    """``mlflow server`` on a SQLite backend in a temporary folder, as a subprocess."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "mlflow-server.log"
        self.startup_s = float("nan")

    def __enter__(self) -> MlflowServer:
        import httpx

        script = _mlflow_bin()
        cmd = [
            str(script),
            "server",
            "--backend-store-uri",
            f"sqlite:///{self.folder / 'mlflow.db'}",
            "--default-artifact-root",
            str(self.folder / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
        ]
        began = time.perf_counter()
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                env=child_env(MLFLOW_DISABLE_TELEMETRY="true"),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
            )
        with httpx.Client(timeout=2.0) as http:
            while time.perf_counter() - began < 180:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"mlflow server exited with {self.proc.returncode}: "
                        + self.log.read_text(errors="replace")[-1500:]
                    )
                try:
                    if http.get(f"{self.url}/health").status_code == 200:
                        self.startup_s = time.perf_counter() - began
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("mlflow server did not answer /health within 180 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# The client alone: log_batch to a server that answers every request with `{}` at once.
CEILING_DRIVER = r"""
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

class Nothing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Nothing)
threading.Thread(target=server.serve_forever, daemon=True).start()
points, batch = int(sys.argv[1]), int(sys.argv[2])
client = MlflowClient(f"http://127.0.0.1:{server.server_port}")
batches = [
    [Metric("loss", 1.0 / (i + 1), 1_764_000_000_000 + i, i) for i in range(s, s + batch)]
    for s in range(0, points + batch, batch)
]
client.log_batch("r", metrics=batches[0])
began = time.perf_counter()
for metrics in batches[1:]:
    client.log_batch("r", metrics=metrics)
print(json.dumps({"points": points, "seconds": time.perf_counter() - began}))
"""


def _ceiling(points: int) -> float:
    """Points per second the MLflow client sends to a server that does nothing."""
    done = subprocess.run(
        [sys.executable, "-c", CEILING_DRIVER, str(points), str(BATCH)],
        env=child_env(MLFLOW_DISABLE_TELEMETRY="true"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mlflow client ceiling driver failed: {done.stderr[-1500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["points"]) / float(result["seconds"])


def _drive(url: str, points: int) -> float:
    """Points per second of the MLflow client driver against ``url``."""
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, url, str(points), str(BATCH)],
        env=child_env(MLFLOW_DISABLE_TELEMETRY="true"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mlflow client driver failed against {url}: {done.stderr[-1500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["points"]) / float(result["seconds"])


def run() -> list[dict[str, Any]]:
    """Measure both servers with the same client driver; see the module docstring."""
    with workspace() as tmp:
        root = tmp / "served"
        init_workspace(root)
        with Server(root) as server:
            basalt_rate = _drive(server.url, BASALT_POINTS)
    with tempfile.TemporaryDirectory(prefix="basalt-bench-mlflow-") as folder:
        with MlflowServer(Path(folder)) as mlflow_server:
            mlflow_rate = _drive(mlflow_server.url, MLFLOW_POINTS)
            mlflow_startup = mlflow_server.startup_s
    ceiling = _ceiling(BASALT_POINTS)
    ratio = basalt_rate / mlflow_rate
    return [
        row(
            "mlflow_client_log_batch_basalt",
            round(basalt_rate),
            "points/s",
            f">= {TARGET_RATIO:g}x MLflow server (same run)",
            baseline=round(mlflow_rate),
            baseline_name=(
                f"mlflow server {MLFLOW_VERSION} on SQLite, same client, measured in this run "
                "(ratio = x faster)"
            ),
            ratio=round(ratio, 1),
            passed=ratio >= TARGET_RATIO,
            notes=(
                f"MlflowClient(url).log_batch with {BATCH} Metric objects per call, "
                f"{BASALT_POINTS:,} points after one warm-up batch, against a `basalt server "
                f"start` subprocess on SQLite; client mlflow-skinny {MLFLOW_VERSION} in a "
                "subprocess; the issue quotes about 2,800 points/s for MLflow 3.17; "
                f"{100 * basalt_rate / ceiling:.0f}% of what the client alone can send "
                f"(ceiling below: {ceiling / mlflow_rate:.1f}x MLflow's server this run)"
            ),
        ),
        row(
            "mlflow_client_log_batch_ceiling",
            round(ceiling),
            "points/s",
            "info",
            notes=(
                "the same client's log_batch against a server that answers `{}` at once: no "
                "server can be sent more through this client; 10x MLflow's server is reachable "
                f"only when MLflow's figure is under {ceiling / TARGET_RATIO:,.0f} points/s"
            ),
        ),
        row(
            "mlflow_client_log_batch_mlflow_server",
            round(mlflow_rate),
            "points/s",
            "info",
            notes=(
                f"the same driver, {MLFLOW_POINTS:,} points, against `mlflow server "
                f"--backend-store-uri sqlite:///... --workers 1` ({MLFLOW_VERSION}, own venv "
                f"under {MLFLOW_VENV.name}); its /health answered {mlflow_startup:.0f} s "
                "after spawn"
            ),
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
