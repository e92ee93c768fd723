"""Resolving environment specs: conda mapping, pip lines, images, build contexts, keys."""

from __future__ import annotations

import sys

import pytest

from basalt.environments.conda_map import conda_version_to_pip, split_conda_dependency
from basalt.environments.resolve import ResolvedEnvironment, requirement_name, resolve
from basalt.errors import InvalidArgumentError
from basalt.spec.environments import BuildContext, EnvironmentSpec

HOST = f"{sys.version_info.major}.{sys.version_info.minor}"


def conda(*deps: object) -> EnvironmentSpec:
    return EnvironmentSpec(
        conda_file={"name": "x", "channels": ["conda-forge"], "dependencies": list(deps)}
    )


@pytest.mark.parametrize(
    ("dep", "expected"),
    [
        ("numpy", "numpy"),
        ("numpy=1.26", "numpy==1.26.*"),
        ("numpy=1.26.4", "numpy==1.26.4"),
        ("numpy=1.26.4=py310h_0", "numpy==1.26.4"),
        ("numpy==1.26.4", "numpy==1.26.4"),
        ("numpy>=1.2", "numpy>=1.2"),
        ("numpy>=1.2,<2", "numpy>=1.2,<2"),
        ("numpy 1.26", "numpy==1.26.*"),
        ("numpy=1.26.*", "numpy==1.26.*"),
        ("conda-forge::numpy=1.26", "numpy==1.26.*"),
        ("defaults::scikit-learn", "scikit-learn"),
        ("pytorch=2.2", "torch==2.2.*"),
        ("py-xgboost", "xgboost"),
        ("conda-forge/linux-64::pyyaml", "pyyaml"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_conda_dependency_becomes_pip_requirement(dep: str, expected: str) -> None:
    assert resolve(conda(dep)).requirements == (expected,)


@pytest.mark.parametrize(
    ("dep", "python"),
    [
        ("python=3.10", "3.10"),
        ("python==3.10.*", "3.10"),
        ("python=3.8.16", "3.8"),
        ("python", None),
    ],
)
def test_conda_python_sets_the_version(dep: str, python: str | None) -> None:
    resolved = resolve(conda(dep, "pip", "numpy"))
    assert resolved.python == python
    assert resolved.requirements == ("numpy",)


def test_conda_python_same_as_basalts_is_none() -> None:
    assert resolve(conda(f"python={HOST}", "six")).python is None


def test_pip_section_installed_as_is_and_wins_over_conda() -> None:
    spec = conda(
        "python=3.10",
        "pip",
        "numpy=1.26",
        "pandas",
        {"pip": ["NumPy==2.0.1", "mlflow-skinny", "azureml-mlflow"]},
    )
    assert resolve(spec).requirements == (
        "NumPy==2.0.1",
        "pandas",
        "mlflow-skinny",
        "azureml-mlflow",
    )


@pytest.mark.parametrize(
    "dep", ["cudatoolkit=11.8", "mkl", "libgcc-ng", "r-base=4.2", "defaults::_openmp_mutex"]
)
def test_conda_only_package_is_refused_with_advice(dep: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        resolve(conda("python=3.10", dep, "numpy"))
    assert repr(dep) in err.value.message
    assert "pip:" in err.value.message
    assert "drop" in err.value.message
    assert err.value.details["field"] == "conda_file"


def test_every_conda_only_package_is_named_at_once() -> None:
    with pytest.raises(InvalidArgumentError) as err:
        resolve(conda("cudatoolkit", "mkl"))
    assert "'cudatoolkit'" in err.value.message
    assert "'mkl'" in err.value.message


def test_conda_or_syntax_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"'\|'"):
        resolve(conda("numpy>=1.2|<0.5"))


def test_pip_requirements_skip_comments_and_blanks() -> None:
    spec = EnvironmentSpec(
        pip_requirements=[
            "# top",
            "",
            "six==1.16.0  # pinned for py2",
            "requests>=2 ; python_version>'3'",
        ]
    )
    resolved = resolve(spec)
    assert resolved.requirements == ("six==1.16.0", "requests>=2 ; python_version>'3'")
    assert resolved.python is None
    assert not resolved.host_python


@pytest.mark.parametrize(
    "line", ["-r other.txt", "--index-url https://x/simple", "--extra-index-url=https://y"]
)
def test_pip_options_are_refused(line: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        resolve(EnvironmentSpec(pip_requirements=["six", line]))
    assert line in err.value.message
    assert err.value.details["field"] == "pip_requirements"


def test_pip_options_in_conda_pip_section_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="--index-url"):
        resolve(conda({"pip": ["--index-url https://x", "six"]}))


def test_image_alone_runs_with_host_python() -> None:
    resolved = resolve(EnvironmentSpec(image="python:3.10-slim"))
    assert resolved.host_python
    assert resolved.requirements == ()
    assert any(
        "image 'python:3.10-slim' alone" in note and sys.version.split()[0] in note
        for note in resolved.notes
    )


def test_image_python_is_used_with_requirements() -> None:
    resolved = resolve(EnvironmentSpec(image="python:3.9-slim", pip_requirements=["six"]))
    assert resolved.python == "3.9"


def test_build_alone_notes_dockerfile_not_run() -> None:
    spec = EnvironmentSpec(build=BuildContext(path="docker", dockerfile="FROM python:3.11\n"))
    resolved = resolve(spec)
    assert resolved.host_python
    assert any("Dockerfile is recorded but not run locally" in note for note in resolved.notes)


def test_build_with_extracted_requirements_behaves_like_them() -> None:
    spec = EnvironmentSpec(build=BuildContext(path="docker"), pip_requirements=["six"])
    assert resolve(spec).requirements == ("six",)


def test_other_python_without_packages_still_needs_a_venv() -> None:
    resolved = resolve(conda("python=3.8", "pip"))
    assert resolved.python == "3.8"
    assert not resolved.host_python


def test_key_is_stable_and_order_independent() -> None:
    a = ResolvedEnvironment("3.10", ("six", "numpy"), False)
    b = ResolvedEnvironment("3.10", ("numpy", "six"), False, notes=("x",))
    assert a.key() == b.key()
    assert len(a.key()) == 64
    assert a.key() != ResolvedEnvironment("3.9", ("six", "numpy"), False).key()
    assert (
        ResolvedEnvironment(None, ("six",), False).key()
        == ResolvedEnvironment(HOST, ("six",), False).key()
    )


@pytest.mark.parametrize(
    ("req", "name"),
    [
        ("Scikit_Learn[alldeps]>=1", "scikit-learn"),
        ("zope.interface", "zope-interface"),
        ("pkg @ https://x/y.whl", "pkg"),
    ],
)
def test_requirement_name_is_normalized(req: str, name: str) -> None:
    assert requirement_name(req) == name


def test_split_conda_dependency_drops_options() -> None:
    assert split_conda_dependency("numpy[build_number=1]") == ("numpy", "")
    assert conda_version_to_pip("x", "") == ""


def test_not_a_conda_spec_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="not a package spec"):
        resolve(conda("=1.2"))
