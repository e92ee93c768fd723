"""``basalt online-endpoint`` / ``online-deployment`` as a user drives them (control plane only)."""

from __future__ import annotations

from pathlib import Path

ENDPOINT = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: my-endpoint
auth_mode: key
"""

BLUE = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: my-endpoint
model:
  path: ../../model-1/model/
code_configuration:
  code: ../../model-1/onlinescoring/
  scoring_script: score.py
environment:
  conda_file: ../../model-1/environment/conda.yaml
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
instance_type: Standard_DS3_v2
instance_count: 1
model_mount_path: /var/azureml-model
"""


def _project(root: Path) -> Path:
    (root / "model-1" / "model").mkdir(parents=True)
    (root / "model-1" / "model" / "sklearn_regression_model.pkl").write_bytes(b"pickled")
    (root / "model-1" / "onlinescoring").mkdir()
    (root / "model-1" / "onlinescoring" / "score.py").write_text(
        "def init():\n    pass\n\ndef run(raw_data):\n    return raw_data\n"
    )
    (root / "model-1" / "environment").mkdir()
    (root / "model-1" / "environment" / "conda.yaml").write_text(
        "name: env\ndependencies:\n  - python=3.11\n"
    )
    sample = root / "managed" / "sample"
    sample.mkdir(parents=True)
    (sample / "endpoint.yml").write_text(ENDPOINT)
    (sample / "blue-deployment.yml").write_text(BLUE)
    return sample


def test_endpoint_and_deployment_lifecycle(e2e, tmp_path):  # type: ignore[no-untyped-def]
    e2e.basalt("init", cwd=tmp_path)
    sample = _project(tmp_path)

    # NOTE: the control plane only: no serve host builds this conda environment meanwhile
    quiet = e2e.user_env(BASALT_COMPUTE__SERVE_ON_DEPLOY="false")

    def run(*args, expect=0):  # type: ignore[no-untyped-def]
        return e2e.basalt(*args, cwd=sample, expect=expect, env=quiet)

    made = run("online-endpoint", "create", "-f", "endpoint.yml", "-o", "json").json()
    assert made["keys"] == {"primary_key": "****", "secondary_key": "****"}
    keys = run("online-endpoint", "get-credentials", "--name", "my-endpoint", "-o", "json").json()
    assert len(keys["primaryKey"]) >= 43
    assert keys["primaryKey"] != keys["secondaryKey"]
    run("online-endpoint", "regenerate-keys", "--name", "my-endpoint", "--key-type", "secondary")
    again = run("online-endpoint", "get-credentials", "my-endpoint", "-o", "json").json()
    assert again["primaryKey"] == keys["primaryKey"]
    assert again["secondaryKey"] != keys["secondaryKey"]

    blue = run("online-deployment", "create", "-f", "blue-deployment.yml", "--all-traffic")
    assert "model_mount_path" in blue.stderr  # warned, not refused
    assert "generation 1" in blue.stdout
    run("online-deployment", "create", "-f", "blue-deployment.yml", "--name", "green")
    shown = run("online-endpoint", "show", "my-endpoint", "-o", "json").json()
    assert shown["traffic"] == {"blue": 100}
    assert shown["deployments"] == ["blue", "green"]

    run("online-endpoint", "update", "--name", "my-endpoint", "--traffic", "blue=90 green=10")
    table = run("online-endpoint", "list").stdout
    assert "blue=90 green=10" in table
    e2e.assert_one_error_line(
        run("online-endpoint", "update", "-n", "my-endpoint", "--traffic", "blue=90", expect=None),
        "adds up to 90%",
    )
    e2e.assert_one_error_line(
        run("online-deployment", "delete", "-n", "green", "-e", "my-endpoint", "-y", expect=None),
        "move the traffic first",
    )
    run("online-endpoint", "update", "-n", "my-endpoint", "--traffic", "blue=100 green=0")
    run("online-endpoint", "update", "-n", "my-endpoint", "--mirror-traffic", "green=10")

    updated = run(
        "online-deployment", "update", "-n", "blue", "-e", "my-endpoint",
        "--set", "instance_count=2", "-o", "json",
    ).json()  # fmt: skip
    assert (updated["instance_count"], updated["generation"]) == (2, 2)
    listed = run("online-deployment", "list", "-e", "my-endpoint").stdout
    assert "Updating" in listed
    assert "my-endpoint-blue:1" in listed
    assert "generation" in run("online-deployment", "show", "blue", "-e", "my-endpoint").stdout
    logs = run("online-deployment", "get-logs", "-n", "blue", "-e", "my-endpoint", "--lines", "5")
    assert logs.returncode == 0

    (sample / "typo.yml").write_text(BLUE.replace("instance_count: 1", "instance_cuont: 1"))
    e2e.assert_one_error_line(
        run("online-deployment", "create", "-f", "typo.yml", expect=None),
        "typo.yml:13",
        "instance_count",
    )
    e2e.assert_one_error_line(
        run("model", "archive", "my-endpoint-blue", "--version", "1", expect=None),
        "my-endpoint/blue",
    )
    run("online-endpoint", "delete", "--name", "my-endpoint", "--yes")
    e2e.assert_one_error_line(
        run("online-endpoint", "show", "my-endpoint", expect=None), "not found"
    )


def test_deploy_invoke_and_stop_the_serve_host(e2e, tmp_path):  # type: ignore[no-untyped-def]
    """Embedded mode: `create` then `invoke` works with no server; `serve --stop` ends it."""
    e2e.basalt("init", cwd=tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.json").write_text('{"w": 3.0, "b": 1.0}')
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "score.py").write_text(
        "import json, os\n"
        "def init():\n"
        "    global w\n"
        "    path = os.path.join(os.environ['AZUREML_MODEL_DIR'], 'model', 'weights.json')\n"
        "    w = json.load(open(path))\n"
        "def run(raw_data):\n"
        "    return [w['w'] * x + w['b'] for x in json.loads(raw_data)['data']]\n"
    )
    (tmp_path / "endpoint.yml").write_text("name: lin\nauth_mode: key\n")
    (tmp_path / "blue.yml").write_text(
        "name: blue\nendpoint_name: lin\nmodel:\n  path: ./model\n"
        "code_configuration:\n  code: ./code\n  scoring_script: score.py\n"
        "environment:\n  image: python:3.11-slim\n"
    )
    (tmp_path / "request.json").write_text('{"data": [1, 2]}')

    def run(*args, expect=0):  # type: ignore[no-untyped-def]
        return e2e.basalt(*args, cwd=tmp_path, expect=expect)

    try:
        run("online-endpoint", "create", "-f", "endpoint.yml")
        run("online-deployment", "create", "-f", "blue.yml", "--all-traffic")
        answer = run("online-endpoint", "invoke", "--name", "lin", "--request-file", "request.json")
        assert answer.stdout.strip() == "[4.0, 7.0]"
        status = run("serve", "--status").stdout
        assert "Serving endpoints on http://127.0.0.1:" in status
        shown = run("online-endpoint", "show", "lin", "-o", "json").json()
        assert shown["scoring_uri"].startswith("http://127.0.0.1:")
        assert shown["scoring_uri"].endswith("/endpoints/lin/score")
        run("serve", "--stop")
        # a new serve host starts with invoke, which waits for its worker instead of a 503
        again = run("online-endpoint", "invoke", "--name", "lin", "--request-file", "request.json")
        assert again.stdout.strip() == "[4.0, 7.0]"
    finally:
        run("serve", "--stop")
    assert "No serve host runs" in run("serve", "--status").stdout
    # each serve host stored its counts as it stopped
    metrics = run("online-deployment", "get-metrics", "blue", "-e", "lin", "-o", "json").json()
    counts = metrics["total"]["status_counts"]
    assert counts["200"] == 2
    assert set(counts) <= {"200", "503"}  # 503s: invoke's tries while the worker started
    assert metrics["total"]["requests"] == sum(counts.values())
    table = run("online-deployment", "get-metrics", "blue", "-e", "lin").stdout
    assert "p50 ms" in table
    assert "total" in table
