"""Inputs and outputs of a job on the machine that runs it.

Each resolved input (see ``services/jobs.py``) becomes a path or a literal for the command:
local folders are passed in place; uploaded files, model versions and other runs' files are
copied into the job's ``inputs/<name>/``; ``http(s)``/``s3`` URIs are downloaded. Outputs are
folders under ``named-outputs/<name>/`` (a ``uri_file`` output is the file ``.../<name>``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec

from basalt.errors import invalid
from basalt.services.data import DataService
from basalt.services.data_refs import download_reference, reference_of
from basalt.services.datastores import DatastoreService
from basalt.services.models import ModelService
from basalt.services.runs import RunService
from basalt.spec.expressions import literal_text
from basalt.spec.jobs import CommandJob, OutputType

_FILE_TYPES = {"uri_file"}


def needs_fetching(inputs: dict[str, dict[str, Any]]) -> bool:
    """True when some input must be copied or downloaded (not a literal or a local path)."""
    return any(item["kind"] not in ("literal", "absent", "local") for item in inputs.values())


@dataclass(frozen=True)
class InputSources:
    """Where inputs come from: other runs' files, models, data assets, datastores."""

    runs: RunService
    models: ModelService
    data: DataService
    datastores: DatastoreService


def materialize_inputs(
    sources: InputSources,
    workspace: str,
    inputs: dict[str, dict[str, Any]],
    root: Path,
    log: Callable[[str], None] | None = None,
) -> dict[str, str | None]:
    """The value each input takes in the command (None for an absent optional input).

    ``log`` gets warnings for the job's log (a referenced data version that changed).
    """
    runs, models = sources.runs, sources.models
    out: dict[str, str | None] = {}
    for name, item in inputs.items():
        kind = item["kind"]
        dest = root / name
        if kind == "literal":
            out[name] = None if item["value"] is None else literal_text(item["value"])
        elif kind == "absent":
            out[name] = None
        elif kind == "local":
            out[name] = item["path"]
        elif kind == "snapshot":
            dest.mkdir(parents=True, exist_ok=True)
            models.blobs.restore(item["snapshot"], dest)
            out[name] = _pick(dest, item["type"])
        elif kind == "model":
            dest.mkdir(parents=True, exist_ok=True)
            for f in models.list_files(workspace, item["name"], item["version"]):
                target = dest / f.path
                target.parent.mkdir(parents=True, exist_ok=True)
                with models.open_file(workspace, item["name"], item["version"], f.path) as src:
                    with target.open("wb") as fh:
                        shutil.copyfileobj(src, fh)
            out[name] = str(dest)
        elif kind == "data" and (
            ref := reference_of(sources.data, workspace, item["name"], item["version"])
        ):
            label = f"{item['name']}:{item['version']}"
            download_reference(sources.datastores, workspace, label, ref, dest, log or _quiet)
            out[name] = _pick(dest, item["type"])
        elif kind == "data":
            dest.mkdir(parents=True, exist_ok=True)
            data = sources.data
            for f in data.list_files(workspace, item["name"], item["version"]):
                target = dest / f.path
                target.parent.mkdir(parents=True, exist_ok=True)
                with data.open_file(workspace, item["name"], item["version"], f.path) as src:
                    with target.open("wb") as fh:
                        shutil.copyfileobj(src, fh)
            out[name] = _pick(dest, item["type"])
        elif kind == "datastore":
            sources.datastores.download(workspace, item["datastore"], item["path"], dest)
            out[name] = _pick(dest, item["type"])
        elif kind == "run":
            out[name] = _copy_run_files(
                runs, workspace, item["run"], item["path"], dest, item["type"]
            )
        elif kind == "uri":
            out[name] = _download(item["uri"], dest, item["type"])
        else:
            raise invalid(f"inputs.{name}", f"unknown input kind {kind!r}")
    return out


def _quiet(line: str) -> None:
    """Where warnings go when the caller keeps no job log."""


def _pick(dest: Path, kind: str) -> str:
    """A ``uri_file`` input is its one file; anything else is the folder."""
    if kind in _FILE_TYPES:
        files = [p for p in dest.rglob("*") if p.is_file()]
        if len(files) == 1:
            return str(files[0])
    return str(dest)


def _copy_run_files(
    runs: RunService, workspace: str, run: str, inner: str, dest: Path, kind: str
) -> str:
    files = runs.list_artifacts(workspace, run, inner)
    single = [f for f in files if not f.is_dir]
    if not single:
        # ``inner`` may be one file rather than a folder
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / Path(inner).name
        with runs.open_artifact(workspace, run, inner) as src, target.open("wb") as fh:
            shutil.copyfileobj(src, fh)
        return str(target)
    for f in single:
        rel = f.path[len(inner) :].lstrip("/") if inner else f.path
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with runs.open_artifact(workspace, run, f.path) as src, target.open("wb") as fh:
            shutil.copyfileobj(src, fh)
    return _pick(dest, kind)


def _download(uri: str, dest: Path, kind: str) -> str:
    dest.mkdir(parents=True, exist_ok=True)
    if kind in _FILE_TYPES:
        target = dest / (uri.rstrip("/").rsplit("/", 1)[-1] or "data")
        with fsspec.open(uri, "rb") as src, target.open("wb") as fh:
            shutil.copyfileobj(src, fh)
        return str(target)
    fs, root = fsspec.core.url_to_fs(uri)
    fs.get(root.rstrip("/") + "/", str(dest), recursive=True)
    return str(dest)


def output_paths(job: CommandJob, root: Path) -> dict[str, Path]:
    """A fresh local path per named output (a folder, or a file for ``uri_file``)."""
    out: dict[str, Path] = {}
    for name, spec in job.outputs.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        kind = OutputType(spec.type) if spec is not None else OutputType.URI_FOLDER
        out[name] = folder / name if kind == OutputType.URI_FILE else folder
    return out
