"""``basalt compute ...`` as a user drives it from a shell."""

from __future__ import annotations


def test_local_exists_then_create_update_delete(e2e, tmp_path):
    e2e.basalt("init", cwd=tmp_path)

    def run(*args, expect=0):
        return e2e.basalt(*args, cwd=tmp_path, expect=expect)

    listed = run("compute", "list", "-o", "json").json()
    assert [(c["name"], c["type"]) for c in listed] == [("local", "local")]
    made = run(
        "compute", "create", "--name", "cpu", "--type", "local", "--max-concurrent-jobs", "2",
        "--description", "spare box", "-o", "json",
    ).json()  # fmt: skip
    assert (made["name"], made["max_concurrent_jobs"]) == ("cpu", 2)
    table = run("compute", "list").stdout
    assert "MAX JOBS" in table
    assert "spare box" in table
    shown = run("compute", "show", "cpu").stdout
    assert "max concurrent jobs" in shown
    run("compute", "update", "cpu", "--max-concurrent-jobs", "4")
    assert run("compute", "show", "cpu", "-o", "json").json()["max_concurrent_jobs"] == 4

    e2e.assert_one_error_line(run("compute", "create", "-n", "cpu", expect=None), "already exists")
    run("compute", "delete", "cpu", "--yes")
    gone = run("compute", "show", "cpu", expect=None)
    e2e.assert_one_error_line(gone, "basalt compute create --name cpu --type local")
    e2e.assert_one_error_line(run("compute", "delete", "local", "--yes", expect=None), "local")
    bad = run("compute", "create", "-n", "x", "--max-concurrent-jobs", "0", expect=None)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
