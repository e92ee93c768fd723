"""Environments shipped with Basalt, and Azure ML's curated names mapped to equivalent specs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from basalt.spec.environments import EnvironmentSpec


@dataclass(frozen=True)
class CuratedEnvironment:
    """One curated environment.

    Attributes:
        name: The canonical name.
        python: The Python version it asks for.
        requirements: Pip requirements, pinned as the Azure original pins them.
        note: One line for docs: what it is and where it differs from Azure's.
        image: The Docker image Azure uses (recorded for Dockerfile export), if any.
        aliases: Other names that find it (matched case-insensitively).
    """

    name: str
    python: str
    requirements: tuple[str, ...]
    note: str
    image: str | None = None
    aliases: tuple[str, ...] = ()

    def spec(self) -> EnvironmentSpec:
        """The environment's content, as a conda file with a ``pip:`` section."""
        deps: list[object] = [f"python={self.python}", "pip"]
        if self.requirements:
            deps.append({"pip": list(self.requirements)})
        conda = {"name": self.name, "channels": ["conda-forge"], "dependencies": deps}
        return EnvironmentSpec(image=self.image, conda_file=conda)


_MCR = "mcr.microsoft.com/azureml"
_PY37 = "Azure's Python 3.7 runs here on 3.8 when 3.7 is not installed (a warning says so)."

CURATED_TABLE: tuple[CuratedEnvironment, ...] = (
    CuratedEnvironment(
        "basalt-minimal", "3.11", (), "Python 3.11 and nothing else (Basalt's own interpreter)."
    ),
    CuratedEnvironment(
        "basalt-sklearn",
        "3.11",
        ("scikit-learn~=1.5.0", "pandas", "numpy", "joblib", "mlflow-skinny"),
        "scikit-learn 1.5 with pandas, numpy, joblib and the MLflow client.",
    ),
    CuratedEnvironment(
        "basalt-lightgbm",
        "3.11",
        ("lightgbm", "xgboost", "scikit-learn", "pandas"),
        "LightGBM and XGBoost with scikit-learn and pandas.",
    ),
    CuratedEnvironment(
        "basalt-pytorch",
        "3.11",
        ("torch", "numpy"),
        "PyTorch from PyPI and numpy; jobs run on the CPU.",
    ),
    CuratedEnvironment(
        "sklearn-1.5",
        "3.10",
        ("scikit-learn==1.5.1", "pandas~=2.2.0", "numpy", "mlflow-skinny"),
        "Azure's sklearn-1.5: Python 3.10, scikit-learn 1.5.1, pandas, MLflow client.",
        image=f"{_MCR}/openmpi4.1.0-ubuntu22.04:latest",
    ),
    CuratedEnvironment(
        "sklearn-1.0",
        "3.8",
        ("scikit-learn==1.0.2", "pandas~=1.3.0", "numpy~=1.21", "mlflow-skinny"),
        "Azure's sklearn-1.0 (Ubuntu 20.04, py38): scikit-learn 1.0.2, pandas 1.3.",
        image=f"{_MCR}/openmpi4.1.0-ubuntu20.04:latest",
        aliases=("sklearn-1.0-ubuntu20.04-py38-cpu",),
    ),
    CuratedEnvironment(
        "sklearn-0.24-ubuntu18.04-py37-cpu",
        "3.7",
        ("scikit-learn==0.24.1", "pandas~=1.1.0", "numpy~=1.19.0"),
        f"Azure's sklearn 0.24.1 environment. {_PY37}",
        image=f"{_MCR}/openmpi3.1.2-ubuntu18.04:latest",
        aliases=("sklearn-0.24",),
    ),
    CuratedEnvironment(
        "lightgbm-3.3",
        "3.8",
        ("lightgbm==3.3.5", "scikit-learn~=1.0.2", "pandas~=1.3.0", "mlflow-skinny"),
        "Azure's lightgbm-3.3 (py38): LightGBM 3.3.5 with scikit-learn 1.0 and pandas 1.3.",
        image=f"{_MCR}/openmpi4.1.0-ubuntu20.04:latest",
        aliases=("lightgbm-3.3-ubuntu20.04-py38-cpu",),
    ),
    CuratedEnvironment(
        "lightgbm-3.2-ubuntu18.04-py37-cpu",
        "3.7",
        ("lightgbm==3.2.1", "scikit-learn==0.24.1", "pandas~=1.1.0"),
        f"Azure's LightGBM 3.2.1 environment. {_PY37}",
        image=f"{_MCR}/openmpi3.1.2-ubuntu18.04:latest",
        aliases=("lightgbm-3.2",),
    ),
    CuratedEnvironment(
        "acpt-pytorch-2.2-cuda12.1",
        "3.10",
        ("torch==2.2.*", "numpy<2"),
        "Azure Container for PyTorch 2.2: torch 2.2 from PyPI; no GPU is used locally.",
        image=f"{_MCR}/curated/acpt-pytorch-2.2-cuda12.1:latest",
        aliases=("pytorch-2.2", "pytorch-2.x"),
    ),
    CuratedEnvironment(
        "minimal-ubuntu18.04-py37-cpu",
        "3.7",
        (),
        f"Azure's minimal environment: Python alone. {_PY37}",
        image=f"{_MCR}/openmpi3.1.2-ubuntu18.04:latest",
        aliases=("minimal-ubuntu20.04-py38-cpu", "minimal"),
    ),
    CuratedEnvironment(
        "tensorflow-2.16-cuda12",
        "3.10",
        ("tensorflow==2.16.*", "mlflow-skinny"),
        "Azure's TensorFlow 2.16 environment; runs on the CPU locally.",
        image=f"{_MCR}/curated/tensorflow-2.16-cuda12:latest",
        aliases=("tensorflow-2.x", "tensorflow-2.16"),
    ),
    CuratedEnvironment(
        "tensorflow-2.4-ubuntu18.04-py37-cuda11-gpu",
        "3.7",
        ("tensorflow==2.4.*",),
        f"Azure's TensorFlow 2.4 environment, on the CPU. {_PY37}",
        image=f"{_MCR}/openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04:latest",
        aliases=("tensorflow-2.4",),
    ),
)

_REGISTRY_REF = re.compile(
    r"^azureml://registries/[^/]+/environments/(?P<name>[^/]+)(?:/(?:labels|versions)/[^/]+)?$"
)


def _index() -> dict[str, CuratedEnvironment]:
    index: dict[str, CuratedEnvironment] = {}
    for env in CURATED_TABLE:
        for name in (env.name, *env.aliases):
            index[name.lower()] = env
    return index


_INDEX = _index()


def canonical_name(reference: str) -> str:
    """Strip Azure's reference syntax from a curated environment's name.

    ``azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest``,
    ``azureml://registries/azureml/environments/sklearn-1.5/labels/latest`` and
    ``sklearn-1.5:12`` become ``sklearn-1.0-ubuntu20.04-py38-cpu``, ``sklearn-1.5`` and
    ``sklearn-1.5`` (lower-cased).

    Args:
        reference: A name or reference as written in a job or deployment YAML.

    Returns:
        The bare, lower-cased name.
    """
    text = reference.strip()
    match = _REGISTRY_REF.match(text)
    if match:
        text = match["name"]
    text = text.lower()
    text = text.removeprefix("azureml:")
    text = text.split("@", 1)[0].split(":", 1)[0]
    return text.removeprefix("azureml-")


def curated(name: str) -> EnvironmentSpec | None:
    """The content of a curated environment, or ``None`` when the name is not curated.

    Args:
        name: ``basalt-sklearn``, ``sklearn-1.5``, ``AzureML-sklearn-1.0-ubuntu20.04-py38-cpu``,
            ``azureml:sklearn-1.5@latest`` ... (case-insensitive).

    Returns:
        The environment's content, or ``None``.
    """
    env = _INDEX.get(canonical_name(name))
    return env.spec() if env else None


def curated_entry(name: str) -> CuratedEnvironment | None:
    """The table row of a curated environment (for its note), or ``None``."""
    return _INDEX.get(canonical_name(name))
