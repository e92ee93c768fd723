"""Fixtures for artifact-store tests: stores on both back ends.

The moto S3 server (``s3_server``) is a session fixture of tests/conftest.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from basalt.artifacts import ArtifactStore
from basalt.config import ArtifactSettings

BUCKET = "basalt-test"
KiB = 1024
MiB = 1024 * KiB


@pytest.fixture
def s3_settings(s3_server: Any) -> ArtifactSettings:
    """Settings for an S3 artifact root under a fresh prefix of the test bucket."""
    return s3_server.settings(f"t-{uuid.uuid4().hex[:12]}")


StoreFactory = Callable[..., ArtifactStore]


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest) -> str:
    """The back end under test: ``local`` or ``s3``."""
    return str(request.param)


@pytest.fixture
def make_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> StoreFactory:
    """Build stores on the back end under test, all sharing one root; kwargs tune chunk sizes."""
    if backend == "local":
        settings = ArtifactSettings(url=str(tmp_path / "artifacts"))
    else:
        settings = request.getfixturevalue("s3_settings")

    def make(**tuning: int) -> ArtifactStore:
        return ArtifactStore.from_settings(settings, str(tmp_path / "default"), **tuning)

    return make


@pytest.fixture
def store(make_store: StoreFactory) -> ArtifactStore:
    """A store on the back end under test with default tuning."""
    return make_store()
