"""Write a deployment's Docker build context to a local folder (``online_deployments.package``).

The context is described by the service (``DeploymentPackage``); its model and code files are
fetched one by one through the transport (a server's routes, or the services in this process)
and checked against their sha256, so the same code path serves both transports.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from basalt._internal.paths import normalize_artifact_path
from basalt.client._local_files import hash_file
from basalt.client.transports.base import Transport
from basalt.errors import AlreadyExistsError, InternalError, invalid
from basalt.spec import operations as ops
from basalt.spec.deployment_package import DeploymentPackage, PackageFile

# The folders a package owns: emptied before an --overwrite, so no stale file is built in.
OWNED_DIRS = ("model", "code", "basalt_scoring")


def check_target(out: Path, *, overwrite: bool) -> None:
    """Refuse a file, or a folder that holds anything, unless ``overwrite``.

    Raises:
        InvalidArgumentError: ``out`` is a file.
        AlreadyExistsError: ``out`` is not empty and ``overwrite`` is False.
    """
    if out.exists() and not out.is_dir():
        raise invalid("output_dir", f"{out} is a file; name a new or empty folder for the package")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise AlreadyExistsError(
            f"{out} is not empty; name a new or empty folder, or pass overwrite=True "
            "(--overwrite on the CLI) to replace an earlier package there",
            details={"path": str(out)},
        )


def write_package(
    transport: Transport,
    workspace: str,
    package: DeploymentPackage,
    out: Path,
    *,
    overwrite: bool,
) -> list[Path]:
    """Write the context: generated files, then model and code files (hash-checked).

    Returns:
        The files written, in the order written.

    Raises:
        InternalError: A downloaded file does not match its recorded sha256.
    """
    check_target(out, overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)
    if overwrite:
        for name in OWNED_DIRS:
            shutil.rmtree(out / name, ignore_errors=True)
    written: list[Path] = []
    for rel, text in sorted(package.files.items()):
        target = _target(out, rel)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    for item in package.model_files:
        params = {
            "workspace": workspace,
            "name": package.model_name or "",
            "version": package.model_version or "",
            "path": item.source,
        }
        written.append(_fetch(transport, ops.MODELS_FILE_GET, params, item, out))
    for item in package.code_files:
        params = {
            "workspace": workspace,
            "endpoint": package.endpoint_name,
            "name": package.deployment_name,
            "path": item.source,
        }
        written.append(_fetch(transport, ops.DEPLOYMENTS_CODE_FILE, params, item, out))
    return written


def _target(out: Path, rel: str) -> Path:
    clean = normalize_artifact_path(rel, field="files.path")
    target = out.joinpath(*clean.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _fetch(
    transport: Transport,
    op: ops.Operation,
    params: dict[str, str],
    item: PackageFile,
    out: Path,
) -> Path:
    target = _target(out, item.path)
    with target.open("wb") as fh:
        transport.download(op, params, fh)
    if hash_file(target)[0] != item.sha256:
        target.unlink(missing_ok=True)
        raise InternalError(
            f"{item.path} does not match its sha256 {item.sha256} after download; the stored "
            "file is damaged or was replaced meanwhile; run the package command again"
        )
    return target
