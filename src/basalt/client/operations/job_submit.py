"""Turn a job spec into a submission: upload its code and local inputs by content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from basalt.client._local_files import code_files, git_info
from basalt.client._uploads import current_user
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.job_requests import JobCreate
from basalt.spec.jobs import CommandJob, SweepJob, parse_job
from basalt.spec.models import BlobQuery, ModelFile
from basalt.spec.references import LocalPath, classify

MAX_INPUT_BYTES = 1 << 40  # inputs are data: no cap beyond the disk's


def to_spec(job: Any) -> CommandJob | SweepJob:
    """A job spec from a built job, a dict, or a loaded YAML file."""
    if isinstance(job, CommandJob | SweepJob):
        return job
    spec = getattr(job, "spec", None)  # a LoadedJob from basalt.spec.job_yaml
    if isinstance(spec, CommandJob | SweepJob):
        return spec
    if isinstance(job, dict):
        return parse_job(job)
    raise TypeError(f"cannot submit {type(job).__name__}; build it with basalt.command(...)")


def build(t: Transport, workspace: str, job: Any, *, max_snapshot_bytes: int) -> JobCreate:
    """The submission body, after uploading whatever content the store does not hold yet."""
    spec = to_spec(job)
    code = spec.code if isinstance(spec, CommandJob) else spec.trial.code
    code_list: list[ModelFile] | None = None
    git = None
    if code:
        files = code_files(Path(code), max_bytes=max_snapshot_bytes)
        upload(t, workspace, files)
        code_list = [f for f, _ in files]
        git = git_info(Path(code))
    input_files: dict[str, list[ModelFile]] = {}
    if not t.same_machine:
        for name, item in spec.inputs.items():
            if item.path and isinstance(classify(item.path), LocalPath):
                files = code_files(
                    Path(item.path), max_bytes=MAX_INPUT_BYTES, field=f"inputs.{name}"
                )
                upload(t, workspace, files)
                input_files[name] = [f for f, _ in files]
    return JobCreate(
        job=spec.model_dump(mode="json", by_alias=True, exclude_none=True),
        code_files=code_list,
        input_files=input_files,
        local_inputs=t.same_machine,
        git=git,
        created_by=current_user(),
    )


def upload(t: Transport, workspace: str, files: list[tuple[ModelFile, Path]]) -> None:
    """Upload the blobs of ``files`` that the store does not hold yet."""
    if not files:
        return
    paths = {f.sha256: p for f, p in files}
    query = BlobQuery(sha256=sorted(paths))
    missing: list[str] = t.call(ops.MODELS_BLOBS_MISSING, {"workspace": workspace}, body=query)
    for sha in missing:
        t.upload(ops.MODELS_BLOB_PUT, {"workspace": workspace, "sha256": sha}, paths[sha])
