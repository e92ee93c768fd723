"""Turn an environment's content into a Python version and a list of pip requirements."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass

from basalt.environments.conda_map import (
    DROPPED,
    conda_version_to_pip,
    has_no_pypi_equivalent,
    pypi_name,
    split_conda_dependency,
)
from basalt.errors import invalid
from basalt.spec.environments import EnvironmentSpec

# NOTE: bump when the venv layout or what goes into it changes; every cached env is rebuilt.
KEY_FORMAT = 1

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PY_VERSION = re.compile(r"^(\d+)\.(\d+)")
_IMAGE_PY = re.compile(r"(?:^|/)python:(\d+\.\d+)")


def host_version() -> str:
    """Basalt's own Python version as ``"3.X"``."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class ResolvedEnvironment:
    """What a job needs installed: a Python version and pip requirements.

    Attributes:
        python: Requested version such as ``"3.10"``; ``None`` means Basalt's own.
        requirements: Pip requirement strings, in install order.
        host_python: True when nothing needs installing: the job runs with ``sys.executable``.
        notes: Lines for the job's log that explain what was translated or ignored.
    """

    python: str | None
    requirements: tuple[str, ...]
    host_python: bool
    notes: tuple[str, ...] = ()

    def key(self) -> str:
        """The cache key: a sha256 over the Python version and the sorted requirements."""
        payload = {
            "format": KEY_FORMAT,
            "python": self.python or host_version(),
            "requirements": sorted(r.strip() for r in self.requirements),
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def requirement_name(requirement: str) -> str:
    """The PEP 503 normalized project name of a requirement, or the line itself for URLs."""
    text = requirement.strip()
    if "://" in text.split("@", 1)[0] or text.startswith((".", "/")):
        return text
    match = _REQ_NAME.match(text)
    if match is None:
        return text
    return re.sub(r"[-_.]+", "-", match[1]).lower()


def _normalize_python(version: str, source: str) -> str:
    match = _PY_VERSION.match(version.strip())
    if match is None:
        raise invalid(
            source, f"Python version {version!r} is not a version; write it as '3.11' or '3.11.4'."
        )
    return f"{match[1]}.{match[2]}"


def _pip_lines(lines: list[str], field: str) -> list[str]:
    out: list[str] = []
    for raw in lines:
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()  # pip's comment rule
        if not line:
            continue
        if line.startswith("-"):
            raise invalid(
                field,
                f"Requirement line {line!r} is a pip option, which Basalt does not follow; "
                "list the packages themselves (index settings belong in uv's configuration).",
            )
        out.append(line)
    return out


def _conda_python(dependency: str, version: str) -> str | None:
    spec = conda_version_to_pip(dependency, version)
    if spec.startswith("=="):
        return _normalize_python(spec[2:], "conda_file")
    return None


def _from_conda(conda: dict[str, object], notes: list[str]) -> tuple[str | None, list[str]]:
    python: str | None = None
    conda_reqs: list[str] = []
    pip_reqs: list[str] = []
    missing: list[str] = []
    deps = conda.get("dependencies") or []
    if not isinstance(deps, list):
        raise invalid("conda_file", "The conda file's 'dependencies' must be a list.")
    for dep in deps:
        if isinstance(dep, dict):
            section = dep.get("pip")
            if section is None or not isinstance(section, list):
                raise invalid(
                    "conda_file",
                    f"Conda dependency {dep!r} is not understood; only a 'pip:' list may "
                    "appear as a mapping.",
                )
            pip_reqs.extend(_pip_lines([str(x) for x in section], "conda_file"))
            continue
        text = str(dep)
        name, version = split_conda_dependency(text)
        if name == "python":
            python = _conda_python(text, version)
            if python is None and version:
                notes.append(f"conda 'python{version}' is not one version; using Basalt's Python")
            continue
        if name in DROPPED:
            continue
        if has_no_pypi_equivalent(name):
            missing.append(text)
            continue
        conda_reqs.append(pypi_name(name) + conda_version_to_pip(text, version))
    if missing:
        names = ", ".join(repr(m) for m in missing)
        raise invalid(
            "conda_file",
            f"Conda dependencies {names} have no PyPI equivalent and Basalt installs with pip; "
            "move them to the 'pip:' section under their PyPI name or drop them.",
        )
    if len(conda_reqs) != 0:
        notes.append(f"conda dependencies installed from PyPI as: {', '.join(conda_reqs)}")
    return python, conda_reqs + pip_reqs


def _dedupe(requirements: list[str]) -> tuple[str, ...]:
    """Keep the last requirement of each name, at the position of its first mention."""
    last: dict[str, str] = {}
    for req in requirements:
        last[requirement_name(req)] = req
    seen: dict[str, str] = {}
    for req in requirements:
        name = requirement_name(req)
        seen.setdefault(name, last[name])
    return tuple(seen.values())


def resolve(spec: EnvironmentSpec) -> ResolvedEnvironment:
    """Resolve an environment's content to a Python version and pip requirements.

    Conda dependencies are mapped to PyPI names and pip version syntax; the ``pip:`` section
    and ``pip_requirements`` are used as written and win over a conda entry of the same name.
    A Docker ``image`` or ``build`` context is recorded but not run locally.

    Args:
        spec: The environment's content.

    Returns:
        The resolved environment.

    Raises:
        InvalidArgumentError: A conda package has no PyPI equivalent, a requirement line is a
            pip option (``-r``, ``--index-url`` ...), or a version is not understood.
    """
    notes: list[str] = []
    python: str | None = None
    reqs: list[str] = []
    if spec.conda_file is not None:
        python, reqs = _from_conda(spec.conda_file, notes)
    if spec.pip_requirements is not None:
        reqs.extend(_pip_lines(spec.pip_requirements, "pip_requirements"))
    image_python = None
    if spec.image:
        match = _IMAGE_PY.search(spec.image)
        image_python = match[1] if match else None
        if python is None and image_python is not None and reqs:
            python = image_python
            notes.append(f"Python {python} taken from image {spec.image!r}")
    if python == host_version():
        python = None
    requirements = _dedupe(reqs)
    host = not requirements and python is None
    if spec.build is not None and spec.conda_file is None and spec.pip_requirements is None:
        notes.append(
            f"build context {spec.build.path!r}: the Dockerfile is recorded but not run locally; "
            f"running with Basalt's Python {sys.version.split()[0]}"
        )
    elif spec.image and host:
        detail = (
            f" (the image's Python {image_python} is not used locally)"
            if image_python and image_python != host_version()
            else ""
        )
        notes.append(
            f"image {spec.image!r} alone: running with Basalt's Python "
            f"{sys.version.split()[0]}{detail}"
        )
    elif spec.image:
        notes.append(f"image {spec.image!r} is recorded; locally the job runs in a virtual env")
    return ResolvedEnvironment(
        python=python, requirements=requirements, host_python=host, notes=tuple(notes)
    )
