"""Packaging a deployment as a Docker build context that serves the same scoring API anywhere.

``plan`` describes the context (``spec.deployment_package.DeploymentPackage``); the SDK writes
it. The image runs the same stdlib-only scoring worker the serving host runs
(``serving/worker.py``, copied to ``basalt_scoring/worker.py``), with the deployment's model in
``/app/model`` (``AZUREML_MODEL_DIR``), its code in ``/app/code`` (the working folder), its
environment's requirements installed with pip (conda dependencies mapped to PyPI, as Basalt
does locally) and its ``environment_variables``; a no-code deployment gets Basalt's no-code
scoring script beside the worker. The container listens on ``0.0.0.0:5001`` and answers
``POST /score``, ``GET /ready`` and ``GET /live`` as the deployment's workers do.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shlex
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import yaml

from basalt._internal.paths import normalize_artifact_path
from basalt._version import __version__
from basalt.environments.resolve import ResolvedEnvironment, host_version, resolve
from basalt.errors import NotFoundError, invalid
from basalt.services.deployments import DeploymentService
from basalt.serving import nocode_score
from basalt.serving import worker as worker_script
from basalt.spec.deployment_package import (
    PACKAGE_MANIFEST,
    PACKAGE_PORT,
    PACKAGE_WORKDIR,
    DeploymentPackage,
    PackageFile,
)
from basalt.spec.endpoints import DesiredDeployment
from basalt.spec.environments import EnvironmentSpec

__all__ = ["DeploymentPackageService"]

FORMAT = 1
"""The layout version written in ``basalt-package.json``."""
SCORING_DIR = "basalt_scoring"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The libraries serving/nocode_score.py loads each no-code flavor with (beside numpy, pandas).
_NOCODE_LIBRARIES: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn", "joblib"),
    "xgboost": ("xgboost", "scikit-learn"),
    "lightgbm": ("lightgbm", "scikit-learn"),
    "onnx": ("onnxruntime",),
    "mlflow": ("mlflow", "pyyaml"),
}


class DeploymentPackageService:
    """Describe a deployment's Docker build context and serve its code files.

    Args:
        deployments: The deployment service (records, code manifests, model files).
    """

    def __init__(self, deployments: DeploymentService) -> None:
        self.deployments = deployments

    def plan(self, workspace: str, endpoint: str, name: str) -> DeploymentPackage:
        """What the build context of one deployment holds.

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
            InvalidArgumentError: An environment variable name Docker cannot set.
        """
        desired, manifest = self.deployments.desired_one(workspace, endpoint, name)
        spec = EnvironmentSpec.model_validate(desired.environment_spec or {})
        resolved = resolve(spec)
        model_name, model_version = _split_model(desired.model)
        model_root = "model"
        model_dir_name = Path(desired.model_path).relative_to(desired.model_dir).as_posix()
        if model_dir_name != ".":
            model_root = f"model/{model_dir_name}"
        model_files = []
        if model_name is not None and model_version is not None:
            for entry in self.deployments.models.list_files(workspace, model_name, model_version):
                rel = normalize_artifact_path(entry.path, field="files.path")
                model_files.append(
                    PackageFile(
                        path=f"{model_root}/{rel}",
                        source=entry.path,
                        sha256=entry.sha256,
                        size=entry.size,
                    )
                )
        code_files = []
        if manifest is not None:
            for item in self.deployments.blobs.manifest(manifest):
                rel = normalize_artifact_path(item.path, field="code")
                code_files.append(
                    PackageFile(path=f"code/{rel}", source=rel, sha256=item.sha256, size=item.size)
                )
        entry_point = _entry_point(desired.scoring_script)
        # NOTE: resolve()'s notes about running locally do not apply to an image.
        notes = [n for n in resolved.notes if n.startswith(("conda", "Python"))]
        if spec.build is not None:
            notes.append(
                f"the environment's Docker build context {spec.build.path!r} is not part of the "
                "package; the image starts from a Python base image instead"
            )
        if desired.scoring_script is None and resolved.host_python and model_name and model_version:
            flavor = self.deployments.models.get(workspace, model_name, model_version).flavor
            resolved = replace(resolved, requirements=_nocode_requirements(flavor))
            notes.append(
                f"no-code {flavor} model served by Basalt's Python locally: requirements.txt "
                f"pins the libraries it loads with, at the versions installed here"
            )
        files = {
            "Dockerfile": _dockerfile(desired, spec, resolved, entry_point),
            "requirements.txt": "".join(f"{r}\n" for r in resolved.requirements),
            f"{SCORING_DIR}/worker.py": Path(worker_script.__file__).read_text(encoding="utf-8"),
        }
        if desired.scoring_script is None:
            files[f"{SCORING_DIR}/nocode_score.py"] = Path(nocode_score.__file__).read_text(
                encoding="utf-8"
            )
        if spec.conda_file is not None:
            files["conda.yml"] = yaml.safe_dump(spec.conda_file, sort_keys=False)
        files["README.md"] = _readme(desired, notes)
        hashes = {path: _sha(text) for path, text in files.items()}
        hashes.update({f.path: f.sha256 for f in [*model_files, *code_files]})
        files[PACKAGE_MANIFEST] = (
            json.dumps(
                {
                    "format": FORMAT,
                    "basalt_version": __version__,
                    "workspace": workspace,
                    "endpoint": endpoint,
                    "deployment": name,
                    "generation": desired.generation,
                    "model": desired.model,
                    "environment": desired.environment,
                    "python": resolved.python or host_version(),
                    "requirements": list(resolved.requirements),
                    "scoring_script": desired.scoring_script,
                    "entry_point": entry_point,
                    "port": PACKAGE_PORT,
                    "files": dict(sorted(hashes.items())),
                },
                indent=2,
            )
            + "\n"
        )
        return DeploymentPackage(
            endpoint_name=endpoint,
            deployment_name=name,
            generation=desired.generation,
            model_name=model_name,
            model_version=model_version,
            environment=desired.environment,
            basalt_version=__version__,
            entry_point=entry_point,
            files=files,
            model_files=model_files,
            code_files=code_files,
            notes=notes,
        )

    def open_code_file(self, workspace: str, endpoint: str, name: str, path: str) -> BinaryIO:
        """A stream of one of the deployment's code files.

        Raises:
            NotFoundError: No such deployment, or no such file in its code.
            InvalidArgumentError: ``path`` is not a clean relative path.
        """
        rel = normalize_artifact_path(path)
        _, manifest = self.deployments.desired_one(workspace, endpoint, name)
        for item in self.deployments.blobs.manifest(manifest) if manifest else []:
            if item.path == rel:
                return self.deployments.blobs.open_blob(item.sha256)
        raise NotFoundError(
            f"Deployment '{name}' of online endpoint '{endpoint}' has no code file {rel!r}; "
            f"see its files with: basalt online-deployment show --name {name} "
            f"--endpoint-name {endpoint}",
            details={"endpoint": endpoint, "deployment": name, "path": rel},
        )


def _nocode_requirements(flavor: str) -> tuple[str, ...]:
    """What the no-code scoring script needs for ``flavor``, pinned to this Python's versions."""
    wanted = ("numpy", "pandas", *_NOCODE_LIBRARIES.get(flavor, ()))
    pinned = []
    for dist in wanted:
        try:
            pinned.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            pinned.append(dist)
    return tuple(pinned)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _split_model(model: str | None) -> tuple[str | None, str | None]:
    if not model or ":" not in model:
        return None, None
    model_name, version = model.rsplit(":", 1)
    return model_name, version


def _entry_point(scoring_script: str | None) -> list[str]:
    """The image's CMD: the worker on all interfaces, with the scoring script."""
    scoring = f"{PACKAGE_WORKDIR}/{SCORING_DIR}"
    code, script = (
        (f"{PACKAGE_WORKDIR}/code", scoring_script)
        if scoring_script is not None
        else (scoring, "nocode_score.py")
    )
    return [
        "python",
        f"{scoring}/worker.py",
        "--code",
        code,
        "--script",
        script,
        "--host",
        "0.0.0.0",  # noqa: S104 - inside a container: reached through the published port
        "--port",
        str(PACKAGE_PORT),
    ]


def _env_line(name: str, value: str) -> str:
    if not _ENV_NAME.match(name):
        raise invalid(
            "environment_variables",
            f"Environment variable name {name!r} cannot be set in a Dockerfile; use letters, "
            "digits and '_', not starting with a digit (basalt online-deployment update "
            "--set environment_variables=...)",
        )
    return f"ENV {name}={json.dumps(value)}"


def _dockerfile(
    desired: DesiredDeployment,
    spec: EnvironmentSpec,
    resolved: ResolvedEnvironment,
    entry_point: list[str],
) -> str:
    python = resolved.python or host_version()
    base = spec.image or f"python:{python}-slim"
    tag = f"{desired.endpoint}-{desired.deployment}".lower()
    live = f"http://127.0.0.1:{PACKAGE_PORT}/live"
    lines = [
        f"# Generated by Basalt {__version__} from deployment '{desired.deployment}' of online",
        f"# endpoint '{desired.endpoint}' (generation {desired.generation}, model "
        f"{desired.model or '-'}, environment {desired.environment}).",
        f"#   docker build -t {tag} .  &&  docker run --rm -p {PACKAGE_PORT}:{PACKAGE_PORT} {tag}",
        f"FROM {base}",
        f"WORKDIR {PACKAGE_WORKDIR}",
    ]
    if resolved.requirements:
        lines += [
            f"COPY requirements.txt {PACKAGE_WORKDIR}/requirements.txt",
            f"RUN python -m pip install --no-cache-dir -r {PACKAGE_WORKDIR}/requirements.txt",
        ]
    lines.append(f"COPY {SCORING_DIR}/ {PACKAGE_WORKDIR}/{SCORING_DIR}/")
    lines.append(f"COPY model/ {PACKAGE_WORKDIR}/model/")
    if desired.scoring_script is not None:
        lines.append(f"COPY code/ {PACKAGE_WORKDIR}/code/")
    lines.append(f"ENV AZUREML_MODEL_DIR={PACKAGE_WORKDIR}/model")
    lines.append("ENV PYTHONUNBUFFERED=1")
    lines += [_env_line(k, v) for k, v in sorted(desired.environment_variables.items())]
    probe = f"import urllib.request; urllib.request.urlopen('{live}', timeout=2)"
    lines += [
        f"EXPOSE {PACKAGE_PORT}",
        "HEALTHCHECK --interval=10s --timeout=3s --start-period=30s "
        f"CMD {json.dumps(['python', '-c', probe])}",
        f"CMD {json.dumps(entry_point)}",
    ]
    return "\n".join(lines) + "\n"


def _readme(desired: DesiredDeployment, notes: list[str]) -> str:
    tag = f"{desired.endpoint}-{desired.deployment}".lower()
    script = desired.scoring_script or "Basalt's no-code scoring script"
    lines = [
        f"# {desired.endpoint} / {desired.deployment}",
        "",
        f"Deployment `{desired.deployment}` of online endpoint `{desired.endpoint}` "
        f"(generation {desired.generation}), packaged by Basalt {__version__}: model "
        f"`{desired.model or '-'}`, scoring script `{script}`, environment "
        f"`{desired.environment}`.",
        "",
        "```sh",
        f"docker build -t {tag} .",
        f"docker run --rm -p {PACKAGE_PORT}:{PACKAGE_PORT} {tag}",
        f"curl -X POST http://127.0.0.1:{PACKAGE_PORT}/score "
        f"-H 'Content-Type: application/json' -d @sample-request.json",
        "```",
        "",
        f"`GET /ready` answers 200 once `init()` has run, `GET /live` while the server runs. "
        f"`{PACKAGE_MANIFEST}` names every file with its sha256. The image runs "
        f"`{shlex.join(_entry_point(desired.scoring_script))}`.",
    ]
    if notes:
        lines += ["", "Notes:", "", *[f"- {n}" for n in notes]]
    return "\n".join(lines) + "\n"
