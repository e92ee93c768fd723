"""Environment YAML: inline ``environment:`` dicts of jobs and ``basalt environment create -f``.

Files an environment names are read when it is loaded, so its content is self-contained:

- ``conda_file: ./conda.yml`` becomes the parsed conda YAML (a dict); a ``.txt`` file becomes
  ``pip_requirements`` (its lines without comments and blanks); an inline dict is kept;
- ``build: {path: ./ctx}`` gets an absolute ``path``; a ``conda.yml``/``conda.yaml``/
  ``environment.yml`` or ``requirements.txt`` in that folder fills ``conda_file`` /
  ``pip_requirements`` when not given, and ``build.dockerfile`` holds the Dockerfile's text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from basalt.errors import invalid
from basalt.spec.common import JSON
from basalt.spec.environments import EnvironmentCreate
from basalt.spec.references import LocalPath, classify
from basalt.spec.yaml_files import load_mapping, load_yaml, validate_file

AZURE_ONLY_KEYS = ("inference_config",)
_CONTEXT_CONDA = ("conda.yml", "conda.yaml", "environment.yml", "environment.yaml")


def load_environment_dict(data: dict[str, JSON], base_dir: Path) -> dict[str, JSON]:
    """Read the files an inline environment names, relative to ``base_dir``; returns a copy.

    Raises:
        InvalidArgumentError: A named file or folder is missing or not in the expected form.
    """
    env = dict(data)
    conda = env.get("conda_file")
    if isinstance(conda, str):
        conda_path = _local(conda, base_dir)
        if conda_path.suffix == ".txt":
            env.pop("conda_file")
            env["pip_requirements"] = read_requirements(conda_path)
        else:
            env["conda_file"] = _read_conda(conda_path)
    build = env.get("build")
    if isinstance(build, str):
        build = {"path": build}
    if isinstance(build, dict) and isinstance(build.get("path"), str):
        build = dict(build)
        if isinstance(classify(build["path"]), LocalPath):
            context = _local(build["path"], base_dir)
            if not context.is_dir():
                raise invalid("build.path", f"build.path: {context} is not a folder; check it")
            build["path"] = str(context)
            _read_context(env, build, context)
        env["build"] = build
    return env


def load_environment_yaml(path: Path) -> dict[str, JSON]:
    """An environment YAML file (``environment: file:./env.yml``) as an inline dict."""
    data, _ = load_mapping(path)
    data.pop("$schema", None)
    return load_environment_dict(data, path.parent)


def load_environment_file(path: Path) -> tuple[EnvironmentCreate, list[str]]:
    """Load ``basalt environment create -f env.yml``: the body to create, and warnings.

    Raises:
        InvalidArgumentError: ``<file>:<line>: <key>: <what to do>``.
    """
    data, lines = load_mapping(path)
    data.pop("$schema", None)
    warnings: list[str] = []
    ignored = [key for key in AZURE_ONLY_KEYS if key in data]
    if ignored:
        named = ", ".join(f"{key} (line {lines.get((key,), '?')})" for key in ignored)
        warnings.append(f"{path}: ignored keys that only mean something on Azure: {named}")
        for key in ignored:
            data.pop(key)
    if "version" in data and isinstance(data["version"], int | float):
        data["version"] = str(data["version"])
    data = load_environment_dict(data, path.parent)
    return validate_file(EnvironmentCreate, data, lines, path), warnings


def read_requirements(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file (comments and blank lines dropped)."""
    text = _read_text(path, "conda_file")
    out = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _local(text: str, base_dir: Path) -> Path:
    found = classify(text)
    if not isinstance(found, LocalPath):
        raise invalid("conda_file", f"{text!r} must be a local file path")
    path = Path(found.path).expanduser()
    return path if path.is_absolute() else (base_dir / path).resolve()


def _read_text(path: Path, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise invalid(field, f"{field}: {path} does not exist; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid(field, f"{field}: cannot read {path}: {exc}") from None


def _read_conda(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise invalid("conda_file", f"conda_file: {path} does not exist; check the path")
    content, _ = load_yaml(path)
    if not isinstance(content, dict):
        raise invalid(
            "conda_file",
            f"conda_file: {path} is not a conda environment file (name, channels, dependencies)",
        )
    return content


def _read_context(env: dict[str, JSON], build: dict[str, JSON], context: Path) -> None:
    if env.get("conda_file") is None and env.get("pip_requirements") is None:
        conda = next((context / n for n in _CONTEXT_CONDA if (context / n).is_file()), None)
        if conda is not None:
            env["conda_file"] = _read_conda(conda)
        elif (context / "requirements.txt").is_file():
            env["pip_requirements"] = read_requirements(context / "requirements.txt")
    dockerfile = context / str(build.get("dockerfile_path") or "Dockerfile")
    if dockerfile.is_file() and build.get("dockerfile") is None:
        build["dockerfile"] = _read_text(dockerfile, "build.dockerfile_path")
