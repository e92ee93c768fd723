"""Vault secrets in a job's environment: resolved only by the runner, masked in its log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.contract.sdk.test_jobs import HOST_ENV, done, log_of

from basalt.errors import NotFoundError
from basalt.spec.runs import RunStatus

VALUE = "s3cr3t-Value-9f8e7d"


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_secret_reaches_the_command_and_nothing_else(client: Any, workspace_dir: Path) -> None:
    from basalt import command

    client.secrets.set("api-token", VALUE)
    job = command(
        command=(
            "python -c \"import os; t = os.environ['TOKEN']; print('token is', t); "
            "print('length', len(t)); print('url', os.environ['URL'])\""
        ),
        environment=HOST_ENV,
        environment_variables={
            "TOKEN": "${{secrets.api-token}}",
            "URL": "https://u:${{ secrets.api-token }}@h",
        },
    )
    run = done(client, client.jobs.create_or_update(job).name)
    log = log_of(client, run.name)
    assert run.status == RunStatus.COMPLETED, log
    assert "token is ***" in log
    assert f"length {len(VALUE)}" in log  # the command got the real value
    assert "url https://u:***@h" in log
    assert VALUE not in log
    # The job spec keeps the reference, never the value.
    got = client.jobs.get(run.name)
    assert got.spec["job"]["environment_variables"]["TOKEN"] == "${{secrets.api-token}}"
    # Not in the store, the artifact store, the job folders or any log on disk.
    assert _files_containing(workspace_dir, VALUE.encode()) == []


def test_a_missing_secret_is_refused_at_submission(client: Any) -> None:
    from basalt import command

    job = command(
        command="echo hi",
        environment=HOST_ENV,
        environment_variables={"TOKEN": "${{secrets.nope}}"},
    )
    with pytest.raises(NotFoundError, match="secret 'nope'.*basalt secret set nope"):
        client.jobs.create_or_update(job)
