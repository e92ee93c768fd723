"""Environments: the versioned spec of the software a job or deployment needs.

An environment's *content* (``EnvironmentSpec``) is what Azure ML writes in an environment YAML:
a Docker ``image``, a ``conda_file``, a Docker ``build`` context, and (Basalt's addition for
users who come from nothing) plain pip requirements. Files are read when the environment is
created, so the content is self-contained: ``conda_file`` holds the parsed conda YAML, not a path,
and ``pip_requirements`` holds the lines of a requirements file. Locally an environment runs as a
virtual environment built with uv (``basalt.environments``).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from basalt.spec.assets import AssetLabelSet, AssetListQuery, AssetUpdate
from basalt.spec.common import JSON, Entity, KeyValues, Name, SpecModel


class BuildContext(SpecModel):
    """A Docker build context, recorded as given (``build.path`` in Azure ML YAML)."""

    path: str = Field(description="The context folder (made absolute when the YAML is loaded).")
    dockerfile_path: str = "Dockerfile"
    dockerfile: str | None = Field(
        default=None, description="The Dockerfile's text, read when the environment was created."
    )


class EnvironmentSpec(SpecModel):
    """What an environment holds; immutable once a version is created.

    At least one of ``image``, ``conda_file``, ``pip_requirements`` or ``build`` is given.
    """

    image: str | None = Field(default=None, description="Docker image, e.g. python:3.11-slim.")
    conda_file: dict[str, JSON] | None = Field(
        default=None, description="The conda environment file's content (name, channels, deps)."
    )
    pip_requirements: list[str] | None = Field(
        default=None, description="Lines of a pip requirements file."
    )
    build: BuildContext | None = None
    os_type: str = "linux"


class EnvironmentCreate(EnvironmentSpec):
    """Body of an environment version's creation."""

    name: Name
    version: str | None = Field(default=None, description="Version; the next integer if omitted.")
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    properties: KeyValues = Field(default_factory=dict)
    created_by: str | None = None


class EnvironmentUpdate(AssetUpdate):
    """The mutable parts of an environment version; fields left out stay as they are."""


class Environment(Entity):
    """One environment version."""

    name: str
    version: str
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    labels: list[str] = Field(default_factory=list)
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    image: str | None = None
    conda_file: dict[str, JSON] | None = None
    pip_requirements: list[str] | None = None
    build: BuildContext | None = None
    os_type: str = "linux"
    curated: bool = Field(default=False, description="True for environments shipped with Basalt.")
    content_hash: str = Field(
        default="", description="sha256 of the content's canonical JSON (same content, same hash)."
    )

    def content(self) -> EnvironmentSpec:
        """The environment's content alone (what its cache key is computed from)."""
        return EnvironmentSpec(
            image=self.image,
            conda_file=self.conda_file,
            pip_requirements=self.pip_requirements,
            build=self.build,
            os_type=self.os_type,
        )


class EnvironmentLabelSet(AssetLabelSet):
    """Point a label at one version of an environment."""


class EnvironmentListQuery(AssetListQuery):
    """Which environment versions to list."""


class EnvironmentBuild(SpecModel):
    """The outcome of materializing an environment on the machine that runs jobs."""

    ref: str = Field(description="What was built: 'NAME:VERSION' or 'curated:NAME'.")
    key: str = Field(description="The cache key (shared by every job that needs this content).")
    python: str = Field(description="The interpreter jobs in this environment run with.")
    requirements: list[str] = Field(default_factory=list)
    built: bool = Field(description="False when the cache already held it.")
    seconds: float = 0.0
    log: list[str] = Field(default_factory=list)


class DockerContext(SpecModel):
    """A Docker build context that reproduces an environment anywhere Docker runs."""

    ref: str
    files: dict[str, str] = Field(description="File name → text (Dockerfile, requirements ...).")
