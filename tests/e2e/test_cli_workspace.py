"""``basalt init`` and how every command finds its workspace, as a new user meets them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest


def test_init_creates_the_workspace_and_is_safe_to_repeat(e2e, tmp_path):
    first = e2e.basalt("init", "proj", cwd=tmp_path)
    state = tmp_path / "proj" / ".basalt"
    assert f"Created workspace in {tmp_path / 'proj'}" in first.stdout
    assert (state / "basalt.db").is_file()
    assert (state / "artifacts").is_dir()
    assert "[store]" in (state / "config.toml").read_text()
    with sqlite3.connect(state / "basalt.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    (state / "config.toml").write_text("# mine\n")
    again = e2e.basalt("init", "-o", "json", cwd=tmp_path / "proj")
    assert again.json() == {"path": str(tmp_path / "proj"), "created": False}
    assert (state / "config.toml").read_text() == "# mine\n"  # never overwritten


def test_commands_find_the_workspace_from_below_by_flag_and_by_env(e2e, tmp_path):
    e2e.basalt("init", "proj", cwd=tmp_path)
    deep = tmp_path / "proj" / "src" / "models"
    deep.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    e2e.basalt("experiment", "create", "from-below", cwd=deep)
    by_flag, by_env = e2e.in_parallel(
        lambda: e2e.basalt("--workspace", deep, "experiment", "list", "-o", "json", cwd=elsewhere),
        lambda: e2e.basalt(
            *("experiment", "show", "from-below", "-o", "json"),
            cwd=elsewhere,
            env=e2e.user_env(BASALT_WORKSPACE=str(tmp_path / "proj")),
        ),
    )

    assert [e["name"] for e in by_flag.json()] == ["from-below"]
    assert by_env.json()["name"] == "from-below"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["job", "list"], ["No Basalt workspace here", "basalt init"]),
        (["db", "current"], ["No Basalt workspace here"]),
        (["--workspace", "{cwd}", "job", "show", "x"], ["No Basalt workspace at or above"]),
        (["server", "start", "--port", "0"], ["no --store", "basalt init"]),
        (["server", "start", "--store", "sqlite:///{cwd}/x.db"], ["--artifacts"]),
    ],
    ids=["job-list", "db-current", "workspace-flag", "server-start", "server-start-no-artifacts"],
)
def test_outside_a_workspace_commands_fail_with_one_clear_line(e2e, tmp_path, args, needles):
    result = e2e.basalt(*(a.format(cwd=tmp_path) for a in args), cwd=tmp_path, expect=None)
    e2e.assert_one_error_line(result, *needles)
    assert result.stdout == ""
    assert not (tmp_path / ".basalt").exists()


def test_an_unreachable_store_is_one_line(e2e, tmp_path):
    store = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    result = e2e.basalt("db", "current", "--store", store, cwd=tmp_path, expect=None)
    e2e.assert_one_error_line(result, "Cannot open the metadata store", "127.0.0.1:1")


def test_the_cli_loads_no_store_code_until_a_command_needs_it(e2e, tmp_path):
    # `basalt --url ... job list` must not pay for SQLAlchemy, Alembic or the server.
    code = (
        "import sys, json, basalt.cli.main; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'alembic', 'fastapi', 'uvicorn') or m.startswith(('basalt.store', "
        "'basalt.services', 'basalt.server')))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=e2e.user_env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
