"""Command jobs through the SDK, on every transport: real runner processes, real commands."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from basalt.errors import ConflictError, InvalidArgumentError, NotFoundError
from basalt.spec.runs import Run, RunStatus

HOST_ENV = {"image": "python:3.11-slim"}  # image alone: runs with Basalt's own interpreter


def wait(client: Any, name: str, *statuses: RunStatus, timeout: float = 60.0) -> Run:
    deadline = time.monotonic() + timeout
    while True:
        run = client.jobs.get(name)
        if run.status in statuses:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is {run.status}, not {statuses}")
        time.sleep(0.1)


def done(client: Any, name: str, timeout: float = 60.0) -> Run:
    return wait(
        client, name, RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED, timeout=timeout
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def log_of(client: Any, name: str) -> str:
    return client.jobs.logs(name, max_bytes=1 << 20).text


def test_job_runs_code_with_inputs_and_logs_metrics(client: Any, tmp_path: Path) -> None:
    from basalt import command

    code = write(
        tmp_path / "src",
        {
            "train.py": """
                import argparse, basalt
                p = argparse.ArgumentParser()
                p.add_argument("--lr", type=float)
                p.add_argument("--epochs", type=int)
                a = p.parse_args()
                for i in range(a.epochs):
                    basalt.log_metric("loss", a.lr / (i + 1), step=i)
                open("outputs/model.txt", "w").write(f"lr={a.lr}")
                print("trained with", a.lr)
            """
        },
    )
    job = command(
        code=str(code),
        command="python train.py --lr ${{inputs.lr}} --epochs ${{inputs.epochs}}",
        inputs={"lr": 0.5, "epochs": 3},
        environment=HOST_ENV,
        experiment_name="sdk-jobs",
        display_name="first",
    )
    run = client.jobs.create_or_update(job)
    assert run.kind == "job"
    run = done(client, run.name)
    assert run.status == RunStatus.COMPLETED, log_of(client, run.name)
    assert run.experiment_name == "sdk-jobs"
    assert run.params == {"lr": "0.5", "epochs": "3"}
    assert run.metrics["loss"] == pytest.approx(0.5 / 3)
    history = [h.status for h in run.status_history]
    assert history == [
        RunStatus.QUEUED,
        RunStatus.PREPARING,
        RunStatus.RUNNING,
        RunStatus.FINALIZING,
        RunStatus.COMPLETED,
    ]
    files = {f.path for f in client.jobs.list_files(run.name) if not f.is_dir}
    assert {"outputs/model.txt", "user_logs/std_log.txt"} <= files
    assert "trained with 0.5" in log_of(client, run.name)
    assert run.snapshot_id


def test_named_outputs_and_data_inputs(client: Any, tmp_path: Path) -> None:
    from basalt import Input, Output, command

    data = write(tmp_path / "data", {"a.csv": "x\n1\n2\n", "b.csv": "x\n3\n"})
    code = write(
        tmp_path / "src",
        {
            "count.py": """
                import os, sys
                src, out, report = sys.argv[1], sys.argv[2], sys.argv[3]
                names = sorted(os.listdir(src))
                os.makedirs(out, exist_ok=True)
                open(os.path.join(out, "names.txt"), "w").write(",".join(names))
                open(report, "w").write(str(len(names)))
            """
        },
    )
    job = command(
        code=str(code),
        command="python count.py ${{inputs.data}} ${{outputs.listing}} ${{outputs.report}}",
        inputs={"data": Input(type="uri_folder", path=str(data))},
        outputs={"listing": Output(type="uri_folder"), "report": Output(type="uri_file")},
        environment=HOST_ENV,
    )
    run = done(client, client.jobs.create_or_update(job).name)
    assert run.status == RunStatus.COMPLETED, log_of(client, run.name)
    target = tmp_path / "dl"
    written = client.jobs.download(run.name, target, output_name="listing")
    assert [p.name for p in written] == ["names.txt"]
    assert (target / "listing" / "names.txt").read_text() == "a.csv,b.csv"
    report = client.jobs.download(run.name, tmp_path / "dl2", output_name="report")
    assert report[0].read_text() == "2"

    # The output is addressable by later jobs as azureml://jobs/<name>/outputs/<output>
    reader = command(
        code=str(code),
        command="cat ${{inputs.prev}}/names.txt",
        inputs={
            "prev": Input(type="uri_folder", path=f"azureml://jobs/{run.name}/outputs/listing")
        },
        environment=HOST_ENV,
    )
    second = done(client, client.jobs.create_or_update(reader).name)
    assert second.status == RunStatus.COMPLETED
    assert "a.csv,b.csv" in log_of(client, second.name)


def test_failing_command_is_failed_with_exit_code_and_tail(client: Any) -> None:
    from basalt import command

    job = command(
        command="echo about to fail; python -c 'import sys; print(\"boom\"); sys.exit(3)'",
        environment=HOST_ENV,
    )
    run = done(client, client.jobs.create_or_update(job).name)
    assert run.status == RunStatus.FAILED
    assert run.error is not None
    assert "exited with code 3" in run.error.message
    assert "boom" in run.error.message


def test_timeout_stops_the_job(client: Any) -> None:
    from basalt import command

    job = command(command="sleep 30", environment=HOST_ENV, timeout=1)
    run = done(client, client.jobs.create_or_update(job).name, timeout=30)
    assert run.status == RunStatus.FAILED
    assert run.error is not None
    assert "limits.timeout of 1 s" in run.error.message


def test_cancel_kills_the_whole_process_tree(client: Any, tmp_path: Path) -> None:
    from basalt import command

    pidfile = tmp_path / "child.pid"
    job = command(
        command=f"sh -c 'sleep 60 & echo $! > {pidfile}; wait'",
        environment=HOST_ENV,
    )
    name = client.jobs.create_or_update(job).name
    wait(client, name, RunStatus.RUNNING)
    deadline = time.monotonic() + 10
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pidfile.read_text())
    assert psutil.pid_exists(child)
    client.jobs.begin_cancel(name)
    run = done(client, name, timeout=30)
    assert run.status == RunStatus.CANCELED
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the job's grandchild survived cancel"
    with pytest.raises(ConflictError, match="already ended"):
        client.jobs.begin_cancel(name)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_jobs_queue_on_a_busy_compute(client: Any) -> None:
    from basalt import command
    from basalt.spec.compute import ComputeCreate

    client.compute.create_or_update(ComputeCreate(name="one-slot", max_concurrent_jobs=1))
    first = client.jobs.create_or_update(
        command(command="sleep 1.5", environment=HOST_ENV, compute="one-slot")
    )
    second = client.jobs.create_or_update(
        command(command="echo second", environment=HOST_ENV, compute="azureml:one-slot")
    )
    assert client.jobs.get(second.name).status == RunStatus.QUEUED
    a, b = done(client, first.name), done(client, second.name)
    assert a.status == b.status == RunStatus.COMPLETED
    assert b.start_time is not None
    assert a.end_time is not None
    assert b.start_time >= a.end_time - _SECOND


_SECOND = __import__("datetime").timedelta(seconds=1)


def test_submission_errors_name_what_is_wrong(client: Any) -> None:
    from basalt import command

    with pytest.raises(NotFoundError, match="basalt compute create"):
        client.jobs.create_or_update(command(command="echo", compute="gpu-cluster"))
    with pytest.raises(NotFoundError, match="no-such-env"):
        client.jobs.create_or_update(command(command="echo", environment="azureml:no-such-env:3"))
    with pytest.raises(InvalidArgumentError, match="lr"):
        client.jobs.create_or_update(
            command(command="echo ${{inputs.lr}}", inputs={"lr": {"type": "number"}})
        )
    with pytest.raises(InvalidArgumentError, match="below its min"):
        client.jobs.create_or_update(
            command(
                command="echo ${{inputs.n}}",
                inputs={"n": {"type": "integer", "value": 0, "min": 1}},
                environment=HOST_ENV,
            )
        )


def test_optional_blocks_and_environment_variables(client: Any) -> None:
    from basalt import command

    job = command(
        command="echo run $[[--seed ${{inputs.seed}}]] $[[--tag ${{inputs.tag}}]] v=$MY_VAR",
        inputs={"seed": 7, "tag": {"type": "string", "optional": True}},
        environment=HOST_ENV,
        environment_variables={"MY_VAR": "hello"},
    )
    run = done(client, client.jobs.create_or_update(job).name)
    assert run.status == RunStatus.COMPLETED
    assert "running: echo run --seed 7  v=$MY_VAR" in log_of(client, run.name)
    assert "run --seed 7 v=hello" in log_of(client, run.name)


def test_mlflow_inside_a_job_logs_to_the_job(client: Any, tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    from basalt import command

    code = write(
        tmp_path / "src",
        {
            "train.py": """
                import mlflow
                with mlflow.start_run():
                    mlflow.log_param("alpha", 0.3)
                    mlflow.log_metric("rmse", 0.25)
                print("logged with mlflow")
            """
        },
    )
    job = command(code=str(code), command="python train.py", environment=HOST_ENV)
    job.environment_variables["MLFLOW_DISABLE_TELEMETRY"] = "true"
    run = done(client, client.jobs.create_or_update(job).name)
    assert run.status == RunStatus.COMPLETED, log_of(client, run.name)
    assert run.params["alpha"] == "0.3"
    assert run.metrics["rmse"] == 0.25
    # mlflow.end_run() did not end the job early: the runner still finalized it.
    assert RunStatus.FINALIZING in [h.status for h in run.status_history]


def test_system_metrics_are_sampled(client: Any) -> None:
    from basalt import command

    job = command(
        command=f"{sys.executable} -c 'import time; x = bytearray(50_000_000); time.sleep(6)'",
        environment=HOST_ENV,
    )
    run = done(client, client.jobs.create_or_update(job).name)
    assert run.status == RunStatus.COMPLETED
    assert run.metrics["system/memory_mb"] > 40
    assert "system/cpu_percent" in run.metrics


def test_killed_runner_is_noticed_and_the_job_failed(client: Any) -> None:
    from basalt import command

    name = client.jobs.create_or_update(command(command="sleep 30", environment=HOST_ENV)).name
    run = wait(client, name, RunStatus.RUNNING)
    pid = int(run.properties["basalt.runner"].split()[0])
    os.kill(pid, 9)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    # The next scheduler pass (here: the next submission) finds the dead runner.
    client.jobs.create_or_update(command(command="true", environment=HOST_ENV))
    run = client.jobs.get(name)
    assert run.status == RunStatus.FAILED
    assert run.error is not None
    assert "runner" in run.error.message
    assert "died" in run.error.message


def test_code_snapshot_respects_ignore_files_and_records_git(client: Any, tmp_path: Path) -> None:
    import subprocess

    from basalt import command

    code = write(
        tmp_path / "repo",
        {
            "train.py": "import os; print(sorted(os.listdir('.')))\n",
            "big.bin": "x" * 100,
            ".amlignore": "big.bin\n",
            "notes/keep.txt": "kept\n",
        },
    )
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=code, check=True)
    subprocess.run([*git, "add", "."], cwd=code, check=True)
    subprocess.run([*git, "commit", "-qm", "first"], cwd=code, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=code, capture_output=True, text=True, check=True
    ).stdout.strip()
    (code / "train.py").write_text("import os; print(sorted(os.listdir('.')))  # edited\n")

    run = client.jobs.create_or_update(
        command(code=str(code), command="python train.py", environment=HOST_ENV)
    )
    run = done(client, run.name)
    assert run.status == RunStatus.COMPLETED
    listing = log_of(client, run.name)
    assert "'notes'" in listing
    assert "big.bin" not in listing
    assert ".git'" not in listing
    assert run.properties["basalt.git.commit"] == commit
    assert run.properties["basalt.git.branch"] == "main"
    assert run.properties["basalt.git.dirty"] == "True"


def test_code_folder_over_the_limit_is_refused(client: Any, tmp_path: Path) -> None:
    from basalt import command
    from basalt.client.operations.job_submit import build

    code = write(tmp_path / "big", {"data.bin": "x" * 4096})
    job = command(code=str(code), command="true", environment=HOST_ENV)
    with pytest.raises(InvalidArgumentError, match="amlignore"):
        build(client.transport, client.workspace_name, job, max_snapshot_bytes=1024)


def test_data_assets_and_the_default_datastore_as_inputs_and_outputs(
    client: Any, tmp_path: Path
) -> None:
    from basalt import Input, Output, command
    from basalt.spec.data import DataCreate

    folder = write(tmp_path / "raw", {"a.txt": "1\n", "b.txt": "2\n"})
    client.data.create_or_update(DataCreate(name="raw", path=str(folder), type="uri_folder"))
    producer = command(
        command="ls ${{inputs.raw}} > ${{outputs.listing}}",
        inputs={"raw": Input(type="uri_folder", path="azureml:raw@latest")},
        outputs={
            "listing": Output(
                type="uri_file",
                name="listing",
                path="azureml://datastores/${{default_datastore}}/paths/results/${{name}}",
            )
        },
        environment=HOST_ENV,
    )
    first = done(client, client.jobs.create_or_update(producer).name)
    assert first.status == RunStatus.COMPLETED, log_of(client, first.name)
    registered = client.data.get("listing")
    assert registered.type == "uri_file"
    assert registered.job_name == first.name
    log = log_of(client, first.name)
    assert "registered output 'listing' as data listing:1" in log
    assert f"paths/results/{first.name}" in log

    consumer = command(
        command="cat ${{inputs.listing}}",
        inputs={
            "listing": Input(
                type="uri_file",
                path=f"azureml://datastores/workspaceblobstore/paths/results/{first.name}",
            )
        },
        environment=HOST_ENV,
    )
    second = done(client, client.jobs.create_or_update(consumer).name)
    assert second.status == RunStatus.COMPLETED, log_of(client, second.name)
    assert "a.txt\nb.txt" in log_of(client, second.name)

    with pytest.raises(NotFoundError, match="Datastore 'other' not found"):
        client.jobs.create_or_update(
            command(
                command="cat ${{inputs.x}}",
                inputs={"x": Input(type="uri_file", path="azureml://datastores/other/paths/x")},
                environment=HOST_ENV,
            )
        )


def test_environment_references_in_every_form(client: Any) -> None:
    from basalt import command
    from basalt.spec.environments import EnvironmentCreate

    def ref_of(environment: str) -> str:
        run = client.jobs.create_or_update(command(command="true", environment=environment))
        return str(run.spec["resolved"]["environment"]["ref"])

    assert ref_of("basalt-minimal@latest") == "curated:basalt-minimal"
    assert ref_of("AzureML-minimal-ubuntu18.04-py37-cpu@latest").startswith("curated:")
    assert (
        ref_of("azureml://registries/azureml/environments/sklearn-1.5/labels/latest")
        == "curated:sklearn-1.5"
    )
    client.environments.create_or_update(
        EnvironmentCreate(name="basalt-minimal", image="python:3.11-slim")
    )
    # The workspace's own environment of a curated name wins over the curated one.
    assert ref_of("basalt-minimal@latest") == "basalt-minimal:1"
    assert ref_of("azureml:basalt-minimal:1") == "basalt-minimal:1"
