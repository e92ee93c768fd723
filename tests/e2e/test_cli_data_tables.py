"""``basalt data show`` prints a tabular version's column profile."""

from __future__ import annotations

import pytest

pytest.importorskip("pyarrow")


def test_show_prints_the_profile_table_and_json(e2e, tmp_path):
    e2e.basalt("init", "proj", cwd=tmp_path)
    ws = tmp_path / "proj"
    (ws / "sales.csv").write_text("store,amount\noslo,10.5\nlima,\noslo,7.25\n")
    e2e.basalt("data", "create", "-n", "sales", "-p", "sales.csv", "-t", "uri_file", cwd=ws)
    shown = e2e.basalt("data", "show", "sales", "--version", "1", cwd=ws).stdout
    assert "profile: 3 rows, 2 columns" in shown
    for header in ("COLUMN", "TYPE", "NULLS", "MIN", "MAX", "MEAN", "DISTINCT", "TOP VALUES"):
        assert header in shown
    assert "oslo (2), lima (1)" in shown
    assert "8.875" in shown  # mean of amount
    data = e2e.basalt("data", "show", "sales", "-o", "json", cwd=ws).json()
    amount = next(c for c in data["profile"]["columns"] if c["name"] == "amount")
    assert (amount["nulls"], amount["min"], amount["max"]) == (1, 7.25, 10.5)

    (ws / "notes.txt").write_text("hello")
    e2e.basalt("data", "create", "-n", "notes", "-p", "notes.txt", cwd=ws)
    assert "profile" not in e2e.basalt("data", "show", "notes", cwd=ws).stdout
