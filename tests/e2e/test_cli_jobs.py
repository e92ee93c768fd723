"""Runs logged by a script, then read back with ``basalt job ...`` in the same workspace."""

from __future__ import annotations

import pytest

SUMMARY_KEYS = {"name", "display_name", "experiment_name", "status", "created_at", "metrics"}


def test_job_list_table_is_readable_at_120_columns(e2e, logged_workspace):
    ws = logged_workspace
    out = ws.basalt("job", "list").stdout
    lines = out.splitlines()
    header = lines[0].split()
    assert header[:2] == ["NAME", "┃"]
    for word in ("STATUS", "EXPERIMENT", "CREATED", "ACCURACY", "GRAD_NORM", "LOSS"):
        assert word in header
    # Names are never folded: each sits whole on one line, so it can be copied.
    rows = [line for line in lines if ws.mnist_run in line or ws.cifar_run in line]
    assert len(rows) == 2
    assert rows[0].split()[0] == ws.cifar_run  # newest first
    assert "Completed" in rows[0]
    assert "0.9" in rows[0].split()
    assert all(len(line) <= e2e.COLUMNS for line in lines)


@pytest.mark.parametrize(
    "args",
    [["job", "list", "-o", "json"], ["-o", "json", "job", "list"]],
    ids=["after-command", "at-root"],
)
def test_job_list_json_newest_first(logged_workspace, args):
    result = logged_workspace.basalt(*args)
    runs = result.json()  # nothing but JSON on stdout
    assert [r["name"] for r in runs] == [logged_workspace.cifar_run, logged_workspace.mnist_run]
    assert SUMMARY_KEYS <= set(runs[0])
    assert runs[0]["display_name"] == "lr=0.01"
    assert runs[0]["experiment_name"] == "cifar"
    assert runs[0]["status"] == "Completed"
    assert runs[0]["metrics"] == {"accuracy": 0.9, "loss": 0.1}
    assert runs[1]["metrics"]["grad_norm"] == "NaN"  # as the REST API writes it
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--filter", "metrics.accuracy > 0.85"], ["cifar"]),
        (["--filter", "params.lr = '0.1' and status = 'Completed'"], ["mnist"]),
        (["--order-by", "metrics.accuracy ASC", "--max-results", "1"], ["mnist"]),
        (["--experiment", "mnist"], ["mnist"]),
    ],
    ids=["filter-metric", "filter-param-and-status", "order-by-max-results", "experiment"],
)
def test_job_list_filters_orders_and_limits(logged_workspace, args, expected):
    runs = logged_workspace.basalt("job", "list", *args, "-o", "json").json()
    assert [r["experiment_name"] for r in runs] == expected


def test_job_show_by_position_and_by_name_option(e2e, logged_workspace):
    ws = logged_workspace
    shown, long, short = e2e.in_parallel(
        lambda: ws.basalt("job", "show", ws.mnist_run),
        lambda: ws.basalt("job", "show", "--name", ws.mnist_run, "--output", "json"),
        lambda: ws.basalt("-o", "json", "job", "show", "-n", ws.mnist_run),
    )
    table = shown.stdout
    assert f"name          {ws.mnist_run}" in table
    assert "status        Completed" in table
    assert "history: Running (" in table
    assert " lr " in table  # params table
    by_long, by_short = long.json(), short.json()
    assert by_long == by_short
    assert by_long["params"] == {"lr": "0.1"}
    assert by_long["metrics"] == {"accuracy": 0.8, "grad_norm": "NaN", "loss": 0.1}
    assert [h["status"] for h in by_long["status_history"]] == ["Running", "Completed"]


def test_job_metrics_latest_history_and_downsampled(e2e, logged_workspace):
    ws = logged_workspace
    latest, history, small = e2e.in_parallel(
        lambda: ws.basalt("job", "metrics", ws.cifar_run, "-o", "json"),
        lambda: ws.basalt("job", "metrics", ws.cifar_run, "loss"),
        lambda: ws.basalt(
            "job", "metrics", "-n", ws.cifar_run, "loss", "--max-points", "4", "-o", "json"
        ),
    )
    assert latest.json() == {"accuracy": 0.9, "loss": 0.1}
    assert history.stdout.startswith("loss (10 points)")
    assert len([line for line in history.stdout.splitlines() if "│" in line]) == 10
    series = small.json()
    assert series["downsampled"] is True
    assert series["total_points"] == 10
    assert len(series["values"]) <= 4
    assert max(series["values"]) == 1.0  # the spike at step 0 survives


def test_job_download_writes_the_run_files(logged_workspace, tmp_path):
    ws = logged_workspace
    result = ws.basalt("job", "download", ws.mnist_run, "--download-path", tmp_path)
    target = tmp_path / ws.mnist_run
    assert f"Downloaded 2 file(s) to {target}" in result.stdout
    assert (target / "outputs" / "model.txt").read_text() == "weights"
    assert (target / "outputs" / "plots" / "loss.csv").read_text().startswith("step,loss")


def test_experiment_and_workspace_lists(e2e, logged_workspace):
    ws = logged_workspace
    experiments, workspaces = e2e.in_parallel(
        lambda: ws.basalt("experiment", "list", "-o", "json"),
        lambda: ws.basalt("workspace", "list"),
    )
    assert {e["name"]: e["run_count"] for e in experiments.json()} == {"cifar": 1, "mnist": 1}
    assert workspaces.stdout.splitlines()[2].split()[0] == "default"


def test_db_current_and_upgrade(logged_workspace):
    ws = logged_workspace
    current = ws.basalt("db", "current", "-o", "json").json()
    assert current["current"] == current["head"]
    assert current["head"]
    upgraded = ws.basalt("db", "upgrade")
    assert upgraded.stdout.strip() == f"Store is current ({current['head']})"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["job", "show", "nope"], ["Run 'nope' not found"]),
        (["job", "list", "--filter", "metrics.accuracy >"], ["position 18", "metrics.accuracy >"]),
        (
            ["job", "list", "--filter", "colour = 'red'"],
            ["Unknown attribute 'colour'", "position 0"],
        ),
    ],
    ids=["unknown-run", "filter-syntax", "filter-attribute"],
)
def test_mistakes_are_one_error_line(e2e, logged_workspace, args, needles):
    result = logged_workspace.basalt(*args, "-o", "json", expect=None)
    e2e.assert_one_error_line(result, *needles)
    assert result.stdout == ""  # nothing that a script could mistake for JSON


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (
            ["job", "list", "--max-results", "0"],
            "error: Invalid value for '--max-results' / '-m': "
            "Input should be greater than or equal to 1",
        ),
        (["job", "lst"], "error: No such command 'lst'. Did you mean 'list'?"),
        (["job", "list", "-x"], "error: No such option: -x"),
    ],
    ids=["bad-value", "unknown-command", "unknown-option"],
)
def test_usage_mistakes_exit_2_with_a_hint(logged_workspace, args, first_line):
    result = logged_workspace.basalt(*args, expect=2)
    command = "basalt job list" if args[1] == "list" else "basalt job"
    assert result.stderr.splitlines() == [first_line, f"Try '{command} --help' for help."]
    assert result.stdout == ""
