"""``basalt model delete``, ``basalt job delete`` and ``basalt gc`` as a user runs them."""

from __future__ import annotations

from pathlib import Path


def _blobs(root: Path) -> set[str]:
    return {p.name for p in (root / ".basalt").rglob("snapshots/blobs/*/*") if p.is_file()}


def test_delete_then_gc_frees_the_files(e2e, logged_workspace, tmp_path):
    ws = logged_workspace
    model = tmp_path / "gcmodel"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"only this version" * 100)
    ws.basalt("model", "create", "--name", "gcm", "--path", model)
    before = _blobs(ws.root)

    refused = ws.basalt("model", "delete", "gcm", "--version", "1", "--yes", expect=1)
    e2e.assert_one_error_line(refused, "archive it first: basalt model archive gcm --version 1")
    ws.basalt("model", "archive", "gcm", "--version", "1")
    unconfirmed = ws.basalt("model", "delete", "gcm", "--version", "1", expect=1)
    assert "aborted" in unconfirmed.stderr
    assert ws.basalt("model", "show", "gcm", "--version", "1", "-o", "json").json()["archived"]
    deleted = ws.basalt("model", "delete", "gcm", "--version", "1", "--yes")
    assert "Deleted model 'gcm' version 1" in deleted.stdout

    dry = ws.basalt("gc", "--dry-run", "--grace-period", "0", "-o", "json").json()
    assert dry["dry_run"] is True
    assert dry["categories"]["blobs"] == {"files": 1, "bytes": 1700, "kept_recent": 0}
    assert _blobs(ws.root) == before  # a dry run deletes nothing

    kept = ws.basalt("gc").stdout  # the default grace period keeps what was just written
    assert "Freed 0 files" in kept

    table = ws.basalt("gc", "--grace-period", "0").stdout
    assert "blobs" in table
    assert "Freed 2 files" in table  # the blob and its manifest
    assert len(_blobs(ws.root)) == len(before) - 1


def test_job_delete(e2e, logged_workspace):
    ws = logged_workspace
    run = ws.mnist_run
    files = ws.root / ".basalt" / "artifacts" / "workspaces" / "default" / "runs" / run
    assert any(files.rglob("*"))
    out = ws.basalt("job", "delete", run, "--yes", "-o", "json").json()
    assert out == {"name": run, "deleted": True}
    gone = ws.basalt("job", "show", run, expect=1)
    e2e.assert_one_error_line(gone, run)
    assert not files.exists()
    missing = ws.basalt("job", "delete", run, "--yes", expect=1)
    e2e.assert_one_error_line(missing, run)
