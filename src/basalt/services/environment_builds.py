"""Materializing environments ahead of jobs, and exporting them as Docker build contexts.

An environment is named as a job names it: a workspace environment (``NAME``, with a version
or label) or one of Basalt's curated environments (``sklearn-1.5``, a registry URI ...). Both
operations resolve it exactly as a job submission does, so `basalt environment build X`
prebuilds precisely the virtual environment a job using X will find in the cache.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from basalt.environments import materialize, resolve, write_docker_context
from basalt.spec.environments import DockerContext, EnvironmentBuild, EnvironmentSpec

Resolver = Callable[[str, str], tuple[str, EnvironmentSpec]]
"""``(workspace, reference) -> (what it is, its content)``: JobService.resolve_environment."""


def reference(name: str, version: str | None, label: str | None) -> str:
    """A job-style reference to ``name`` at ``version`` or ``label`` (latest by default)."""
    if name.startswith("azureml:"):
        return name
    if version:
        return f"azureml:{name}:{version}"
    if label:
        return f"azureml:{name}@{label}"
    return f"azureml:{name}"


class EnvironmentBuildService:
    """Build (cache) and export environments.

    Args:
        resolve_ref: Resolves a reference the way job submission does.
        envs_dir: The cache of materialized environments on this machine.
    """

    def __init__(self, resolve_ref: Resolver, envs_dir: Path) -> None:
        self.resolve_ref = resolve_ref
        self.envs_dir = envs_dir

    def build(
        self, workspace: str, name: str, version: str | None = None, label: str | None = None
    ) -> EnvironmentBuild:
        """Materialize an environment into the cache (a no-op when it is there already).

        Raises:
            NotFoundError: No such environment.
            InvalidArgumentError: Its packages cannot be installed (uv's output included).
        """
        ref, spec = self.resolve_ref(workspace, reference(name, version, label))
        resolved = resolve(spec)
        lines: list[str] = list(resolved.notes)
        done = materialize(resolved, self.envs_dir, log=lines.append)
        return EnvironmentBuild(
            ref=ref,
            key=done.key,
            python=str(done.python),
            requirements=list(resolved.requirements),
            built=done.built,
            seconds=round(done.seconds, 3),
            log=lines + [n for n in done.notes if n not in lines],
        )

    def dockerfile(
        self, workspace: str, name: str, version: str | None = None, label: str | None = None
    ) -> DockerContext:
        """The Dockerfile and context files that reproduce an environment.

        Raises:
            NotFoundError: No such environment.
        """
        ref, spec = self.resolve_ref(workspace, reference(name, version, label))
        with tempfile.TemporaryDirectory(prefix="basalt-docker-") as tmp:
            paths = write_docker_context(spec, resolve(spec), Path(tmp))
            files = {p.relative_to(tmp).as_posix(): p.read_text(encoding="utf-8") for p in paths}
        return DockerContext(ref=ref, files=files)
