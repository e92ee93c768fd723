"""GPU sampling reads nvidia-smi when it is there and is silent when it is not or fails."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from basalt.compute.local import gpu_usage

FAKE = """#!/bin/sh
case "$1" in
  --query-gpu=*) printf 'GPU-a, 80\\nGPU-b, 10\\n' ;;
  --query-compute-apps=*) printf '4242, GPU-a, 1536\\n4243, GPU-a, 512\\n999, GPU-b, 100\\n' ;;
esac
"""


def _fake_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text(body)
    smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


def test_the_trees_processes_and_their_gpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_smi(tmp_path, monkeypatch, FAKE)
    assert gpu_usage({4242, 4243}) == {"gpu_memory_mb": 2048.0, "gpu_utilization_percent": 80.0}


def test_no_process_on_a_gpu_reports_every_gpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_smi(tmp_path, monkeypatch, FAKE)
    assert gpu_usage({1}) == {"gpu_memory_mb": 0.0, "gpu_utilization_percent": 45.0}


def test_failing_or_missing_nvidia_smi_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_smi(tmp_path, monkeypatch, "#!/bin/sh\nexit 9\n")
    assert gpu_usage({1}) == {}
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert gpu_usage({1}) == {}
