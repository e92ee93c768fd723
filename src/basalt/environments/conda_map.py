"""Conda package names and version specs translated to their PyPI equivalents."""

from __future__ import annotations

import re

from basalt.errors import invalid

# Conda names whose PyPI distribution has another name. Names not listed here (numpy, pandas,
# scipy, scikit-learn, matplotlib, lightgbm, tensorflow, pyyaml, requests ...) are the same on
# both sides and pass through unchanged.
CONDA_TO_PYPI: dict[str, str] = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "xgboost-cpu": "xgboost",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "matplotlib-base": "matplotlib",
    "py-opencv": "opencv-python",
    "opencv": "opencv-python",
    "pytables": "tables",
    "msgpack-python": "msgpack",
    "python-graphviz": "graphviz",
    "py-lightgbm": "lightgbm",
    "lightgbm-cpu": "lightgbm",
    "pyarrow-core": "pyarrow",
    "arrow-cpp": "pyarrow",
    "ruamel_yaml": "ruamel.yaml",
    "typing_extensions": "typing-extensions",
    "importlib_metadata": "importlib-metadata",
}

# Conda packages that only select a build variant; they install nothing a venv needs.
DROPPED: frozenset[str] = frozenset({"pip", "setuptools", "wheel", "cpuonly", "nomkl"})

# Conda packages with no PyPI equivalent: system libraries, compilers, CUDA, R.
NO_PYPI: frozenset[str] = frozenset(
    {
        "cudatoolkit",
        "cudnn",
        "cuda",
        "cuda-toolkit",
        "cuda-nvcc",
        "cuda-runtime",
        "pytorch-cuda",
        "nccl",
        "mkl",
        "mkl-service",
        "mkl_fft",
        "mkl_random",
        "intel-openmp",
        "blas",
        "openblas",
        "libopenblas",
        "libblas",
        "liblapack",
        "libgcc",
        "libgcc-ng",
        "libgfortran",
        "libgfortran-ng",
        "libstdcxx-ng",
        "libgomp",
        "libffi",
        "libuuid",
        "libzlib",
        "gcc",
        "gxx",
        "gfortran",
        "make",
        "openssl",
        "ca-certificates",
        "ncurses",
        "readline",
        "sqlite",
        "tk",
        "xz",
        "zlib",
        "bzip2",
        "ld_impl_linux-64",
        "nodejs",
        "git",
        "openjdk",
        "r-base",
        "r-essentials",
        "tzdata",
    }
)
_NO_PYPI_PREFIXES = ("r-", "_", "cuda-", "libcu", "libnv")

_CONDA_SPEC = re.compile(
    r"^(?P<name>[A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(?P<rest>.*)$",
)


def strip_channel(dependency: str) -> str:
    """Drop a ``channel::`` (or ``channel/subdir::``) prefix from a conda dependency."""
    return dependency.split("::", 1)[1] if "::" in dependency else dependency


def has_no_pypi_equivalent(name: str) -> bool:
    """Whether a conda package (lower-cased name) exists only on conda channels."""
    return name in NO_PYPI or name.startswith(_NO_PYPI_PREFIXES)


def split_conda_dependency(dependency: str) -> tuple[str, str]:
    """Split a conda match spec into its lower-cased package name and its version part.

    Args:
        dependency: One entry of a conda file's ``dependencies`` list, e.g. ``numpy=1.26``.

    Returns:
        ``(name, version_part)`` with the channel prefix, build string and ``[...]`` options
        dropped; ``version_part`` is ``""`` when none is given.

    Raises:
        InvalidArgumentError: The entry is not a conda match spec.
    """
    text = strip_channel(dependency.strip())
    text = re.sub(r"\[.*\]$", "", text).strip()
    match = _CONDA_SPEC.match(text)
    if match is None:
        raise invalid(
            "conda_file",
            f"Conda dependency {dependency!r} is not a package spec; "
            "write it as 'name', 'name=1.2' or 'name>=1.2'.",
        )
    name = match["name"].lower()
    rest = match["rest"].strip()
    # A space separates name, version and build in conda's "name 1.26 py310_0" form.
    if rest and rest[0].isdigit():
        rest = "=" + rest
    return name, rest.replace(" ", "")


def conda_version_to_pip(dependency: str, version: str) -> str:
    """Translate a conda version part to a pip specifier.

    ``=1.26`` becomes ``==1.26.*``, ``=1.26.4`` becomes ``==1.26.4`` (a build string after a
    second ``=`` is dropped), and pip-style operators (``>=1.2``, ``==1.2``, ``<2``) are kept.

    Args:
        dependency: The whole conda entry, for the error message.
        version: The version part from :func:`split_conda_dependency`.

    Returns:
        The pip specifier, ``""`` for no constraint.

    Raises:
        InvalidArgumentError: The version uses conda-only syntax such as ``|``.
    """
    if not version:
        return ""
    if "|" in version:
        raise invalid(
            "conda_file",
            f"Conda dependency {dependency!r} uses '|' (or), which pip cannot express; "
            "pick one version range.",
        )
    if version.startswith("=") and not version.startswith("=="):
        exact = version[1:].split("=", 1)[0]
        if not exact:
            return ""
        if exact.endswith("*"):
            return "==" + (exact if exact.endswith(".*") else exact[:-1] + ".*")
        parts = exact.split(".")
        return f"=={exact}.*" if len(parts) <= 2 else f"=={exact}"
    if version.startswith("=="):
        return "==" + version[2:].split("=", 1)[0]
    if version[0] in "<>!~":
        return version
    # A bare version with no operator (rare outside the space form) means the same as "=".
    return conda_version_to_pip(dependency, "=" + version)


def pypi_name(conda_name: str) -> str:
    """The PyPI distribution name for a conda package name (unchanged when not in the table)."""
    return CONDA_TO_PYPI.get(conda_name, conda_name)
