"""API bodies around jobs: submission (with its uploaded code and inputs), logs, cancel."""

from __future__ import annotations

from pydantic import Field

from basalt.spec.common import JSON, SpecModel
from basalt.spec.models import ModelFile

COMPUTE_PROPERTY = "basalt.compute"
"""The run property naming the compute target a job runs on."""
JOB_TYPE_PROPERTY = "basalt.job_type"
"""The run property naming a job's type where it is not a plain command job (``sweep``)."""
SWEEP_BEST_TRIAL = "basalt.sweep.best_trial"
"""The tag and property of a finished sweep naming its best trial."""
SWEEP_EARLY_TERMINATED = "basalt.sweep.early_terminated"
"""The tag of a trial that the sweep's early-termination policy stopped."""
RUNNER_PROPERTY = "basalt.runner"
"""The run property holding the runner's handle (``pid host started``) while a job is active."""
CANCEL_PROPERTY = "basalt.cancel_requested"
"""Set on an active job when someone asked to cancel it; its runner stops the job."""
JOB_DIR_PROPERTY = "basalt.job_dir"
"""The job's working folder on the machine that runs it (logs are read from it while active)."""
JOB_PID_PROPERTY = "basalt.job_pid"
"""The pid of the user's command (its process group) while it runs."""
ENV_KEY_PROPERTY = "basalt.environment_key"
"""The cache key of the materialized environment a job ran in."""
LOG_PATH = "user_logs/std_log.txt"
"""Where a job's stdout and stderr are kept among its files, as on Azure ML."""


class GitInfo(SpecModel):
    """The state of the git repository the code was submitted from."""

    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None
    remote: str | None = None


class JobCreate(SpecModel):
    """Body of a job submission.

    ``job`` is the spec as loaded from YAML or built in Python (local paths already made
    absolute). Local files travel by content: the SDK uploads the blobs that are missing and
    sends the lists in ``code_files`` and ``input_files``.
    """

    job: dict[str, JSON] = Field(description="A command or sweep job spec (Azure ML CLI v2).")
    code_files: list[ModelFile] | None = None
    input_files: dict[str, list[ModelFile]] = Field(default_factory=dict)
    local_inputs: bool = Field(
        default=False,
        description="True when local input paths are on the machine that runs the job "
        "(embedded mode): they are passed in place instead of uploaded.",
    )
    git: GitInfo | None = None
    created_by: str | None = None


class LogChunk(SpecModel):
    """A piece of a job's log, from ``offset``; pass ``next_offset`` back to follow it."""

    text: str
    next_offset: int
    status: str
    done: bool = Field(description="True once the job has ended and the whole log was read.")
