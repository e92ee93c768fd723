"""Every ```python block in docs/ runs, page by page, in a fresh workspace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES = sorted(p for p in DOCS.glob("*.md") if BLOCK.search(p.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_docs_examples_run(page, workspace_dir, monkeypatch):
    import basalt.tracking.fluent as fluent

    monkeypatch.chdir(workspace_dir)
    monkeypatch.setitem(fluent._state, "client", None)
    monkeypatch.setitem(fluent._state, "run", None)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(BLOCK.findall(page.read_text(encoding="utf-8"))):
        code = compile(block, f"{page.name}[block {i + 1}]", "exec")
        exec(code, namespace)  # noqa: S102 - executing our own documentation is the point
    client = fluent._state["client"]
    if client is not None:
        client.close()  # type: ignore[attr-defined]
