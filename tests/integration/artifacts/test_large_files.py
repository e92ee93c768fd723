"""Large files go up and back through the store with bounded memory and intact content."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from basalt.config import ArtifactSettings

MiB = 1024 * 1024
MAX_GROWTH_MIB = 200

pytestmark = pytest.mark.slow

# Runs in a fresh interpreter so that ru_maxrss (peak resident memory) measures only this work.
CHILD = textwrap.dedent(
    """
    import hashlib, json, resource, sys
    from pydantic import SecretStr
    from basalt.artifacts import ArtifactStore
    from basalt.config import ArtifactSettings

    settings, src, dest = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
    secret = settings.pop("s3_secret_access_key", None)
    settings = ArtifactSettings(
        **settings, s3_secret_access_key=SecretStr(secret) if secret else None
    )
    store = ArtifactStore.from_settings(settings, "unused")
    store.put_bytes("warm-up", b"x")  # loads the S3 client before the baseline
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sent, received = [], []
    store.put_file("big/file.bin", src, progress=sent.append)
    store.get_file("big/file.bin", dest, progress=received.append)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    digest = hashlib.sha256()
    with open(dest, "rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    print(json.dumps({
        "growth_mib": (peak - baseline) / 1024,
        "sent": sum(sent),
        "received": sum(received),
        "sha256": digest.hexdigest(),
    }))
    """
)


def _write_file(path: Path, size: int) -> str:
    """Write ``size`` bytes quickly: a random 8 MiB block, stamped with its index per chunk."""
    block = os.urandom(8 * MiB)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for index in range(size // len(block)):
            chunk = index.to_bytes(8, "big") + block[8:]
            handle.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def _round_trip(settings: ArtifactSettings, tmp_path: Path, size: int) -> None:
    src, dest = tmp_path / "src.bin", tmp_path / "dest.bin"
    try:
        expected = _write_file(src, size)
        payload: dict[str, Any] = settings.model_dump(exclude_none=True)
        if settings.s3_secret_access_key is not None:
            payload["s3_secret_access_key"] = settings.s3_secret_access_key.get_secret_value()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(payload), str(src), str(dest)],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        assert result["sha256"] == expected
        assert result["sent"] == result["received"] == size
        assert result["growth_mib"] < MAX_GROWTH_MIB, result
    finally:
        # NOTE: pytest keeps the last runs' tmp folders; do not leave gigabytes behind.
        for path in (src, dest):
            path.unlink(missing_ok=True)


def test_one_gib_through_the_local_store_in_bounded_memory(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    try:
        _round_trip(ArtifactSettings(url=str(root)), tmp_path, 1024 * MiB)
    finally:
        (root / "big" / "file.bin").unlink(missing_ok=True)


@pytest.mark.s3
def test_large_file_through_s3_in_bounded_memory(
    s3_settings: ArtifactSettings, tmp_path: Path
) -> None:
    _round_trip(s3_settings, tmp_path, 128 * MiB)
