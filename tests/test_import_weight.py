"""``import basalt`` and ``import basalt.tracking`` stay light: what runs inside a job."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = [
    "sqlalchemy",
    "fastapi",
    "starlette",
    "pandas",
    "alembic",
    "uvicorn",
    "basalt.server",
    "basalt.store",
    "basalt.services",
    "mlflow",
]


@pytest.mark.parametrize("module", ["basalt", "basalt.tracking"])
def test_import_loads_nothing_heavy(module):
    code = f"import sys, json; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert [m for m in HEAVY if m in loaded] == []


def test_the_server_does_not_need_mlflow():
    # The MLflow-compatible API is Basalt's own code: mlflow is a test dependency only.
    code = "import sys; import basalt.server.app; print('mlflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_public_surface_matches_all():
    import basalt

    for name in basalt.__all__:
        assert getattr(basalt, name) is not None
    assert {n for n in dir(basalt)} >= set(basalt.__all__)
