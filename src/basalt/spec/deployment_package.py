"""A deployment as a Docker build context (``basalt online-deployment package``).

The service describes the context (``DeploymentPackage``): the files it generates (Dockerfile,
requirements, README, the scoring-server entry point, ``basalt-package.json``) as text, and the
model and code files by their content hash. The SDK writes the text files and downloads the
others with operations that work over both transports (``models.file_get``,
``deployments.code_file``), checking each file's hash, so packaging works against a server too.
"""

from __future__ import annotations

from pydantic import Field

from basalt.spec.common import SpecModel

PACKAGE_PORT = 5001
"""The port the packaged scoring server listens on (as Azure ML's inference server does)."""
PACKAGE_WORKDIR = "/app"
"""The context's root inside the image."""
PACKAGE_MANIFEST = "basalt-package.json"
"""The file naming what the context holds (versions, the entry point, every file's sha256)."""


class PackageFile(SpecModel):
    """One model or code file of the context, fetched by the SDK from the workspace."""

    path: str = Field(description="Where it goes in the context, e.g. 'model/m/model.pkl'.")
    source: str = Field(
        description="Its path in the model version's files, or in the deployment's code."
    )
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class DeploymentPackage(SpecModel):
    """Everything a deployment's Docker build context holds."""

    endpoint_name: str
    deployment_name: str
    generation: int
    model_name: str | None = None
    model_version: str | None = None
    environment: str = Field(description="What the deployment's environment resolved to.")
    basalt_version: str
    entry_point: list[str] = Field(description="The image's CMD: how the scoring server starts.")
    files: dict[str, str] = Field(
        description="Generated text files by their path in the context (Dockerfile, README ...)."
    )
    model_files: list[PackageFile] = Field(default_factory=list)
    code_files: list[PackageFile] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list, description="What was translated or left out, for the user."
    )
