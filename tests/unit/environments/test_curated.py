"""Curated environment lookups."""

from __future__ import annotations

import pytest

from basalt.environments.curated import CURATED_TABLE, canonical_name, curated, curated_entry
from basalt.environments.resolve import resolve


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("basalt-sklearn", "basalt-sklearn"),
        ("BASALT-SKLEARN", "basalt-sklearn"),
        ("sklearn-1.5", "sklearn-1.5"),
        ("AzureML-sklearn-1.5", "sklearn-1.5"),
        ("azureml:sklearn-1.5@latest", "sklearn-1.5"),
        ("azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:33", "sklearn-1.0"),
        ("azureml://registries/azureml/environments/sklearn-1.5/labels/latest", "sklearn-1.5"),
        ("AzureML-sklearn-0.24-ubuntu18.04-py37-cpu", "sklearn-0.24-ubuntu18.04-py37-cpu"),
        ("AzureML-lightgbm-3.2-ubuntu18.04-py37-cpu", "lightgbm-3.2-ubuntu18.04-py37-cpu"),
        ("AzureML-minimal-ubuntu18.04-py37-cpu", "minimal-ubuntu18.04-py37-cpu"),
        ("acpt-pytorch-2.2-cuda12.1", "acpt-pytorch-2.2-cuda12.1"),
        ("pytorch-2.x", "acpt-pytorch-2.2-cuda12.1"),
        ("tensorflow-2.x", "tensorflow-2.16-cuda12"),
    ],
)
def test_curated_names_are_found(reference: str, name: str) -> None:
    entry = curated_entry(reference)
    assert entry is not None
    assert entry.name == name
    assert curated(reference) is not None


def test_unknown_name_is_none() -> None:
    assert curated("my-own-env") is None
    assert curated_entry("azureml:my-own-env:1") is None


def test_canonical_name_strips_azure_syntax() -> None:
    assert (
        canonical_name(" AzureML-Sklearn-1.0-ubuntu20.04-py38-cpu@latest ")
        == "sklearn-1.0-ubuntu20.04-py38-cpu"
    )


@pytest.mark.parametrize("entry", CURATED_TABLE, ids=lambda e: e.name)
def test_every_curated_spec_resolves(entry: object) -> None:
    spec = curated(entry.name)  # type: ignore[attr-defined]
    assert spec is not None
    resolved = resolve(spec)
    assert set(resolved.requirements) == set(entry.requirements)  # type: ignore[attr-defined]
    assert entry.note  # type: ignore[attr-defined]


def test_sklearn_1_0_pins_what_azure_pins() -> None:
    spec = curated("AzureML-sklearn-1.0-ubuntu20.04-py38-cpu")
    assert spec is not None
    resolved = resolve(spec)
    assert resolved.python == "3.8"
    assert "scikit-learn==1.0.2" in resolved.requirements


def test_basalt_minimal_runs_on_host_python_when_versions_match() -> None:
    import sys

    spec = curated("basalt-minimal")
    assert spec is not None
    assert resolve(spec).host_python is (sys.version_info[:2] == (3, 11))


def test_names_are_unique() -> None:
    names = [n.lower() for e in CURATED_TABLE for n in (e.name, *e.aliases)]
    assert len(names) == len(set(names))
