"""Environments: versioned specs of the software a job needs, on the shared asset rules.

An environment version's content (image, conda file, pip requirements, build context) lives in
the ``spec`` JSON column of its ``asset_versions`` row; ``content_id`` is the sha256 of the
content's canonical JSON, so two versions with the same content share one id (and one cached
virtual environment when ``basalt.environments`` materializes them).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from basalt.errors import invalid
from basalt.services.assets import VersionedAssetService
from basalt.spec.environments import (
    BuildContext,
    Environment,
    EnvironmentCreate,
    EnvironmentSpec,
)
from basalt.store.tables import AssetVersionRow

_CONTENT_FIELDS = tuple(EnvironmentSpec.model_fields)


def content_id(spec: EnvironmentSpec) -> str:
    """The sha256 of an environment's content as canonical JSON (sorted keys, no spaces)."""
    data = EnvironmentSpec.model_validate(spec.model_dump(include=set(_CONTENT_FIELDS)))
    text = json.dumps(
        data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_content(body: EnvironmentSpec) -> None:
    """Refuse an environment that says nothing about its software.

    Raises:
        InvalidArgumentError: None of image, conda_file, pip_requirements or build is given.
    """
    if (
        body.image is None
        and body.conda_file is None
        and body.pip_requirements is None
        and body.build is None
    ):
        raise invalid(
            "image",
            "an environment needs at least one of image, conda_file, pip_requirements or build "
            "(e.g. --image python:3.11-slim or --conda-file conda.yml)",
        )
    if body.image is not None and not body.image.strip():
        raise invalid("image", "image must not be empty")


class EnvironmentService(VersionedAssetService[Environment]):
    """Environment rules: content validated and hashed; re-submitting a version is idempotent."""

    kind = "environment"
    noun = "Environment"

    def create(self, workspace: str, body: EnvironmentCreate) -> Environment:
        """Create an environment version (the next integer version unless one is given).

        Creating a version that exists with the same content returns it unchanged, as Azure
        ML does, so re-running ``basalt environment create -f env.yml`` is safe.

        Raises:
            InvalidArgumentError: No content, or a bad version.
            AlreadyExistsError: The version exists with different content.
            NotFoundError: No such workspace.
        """
        check_content(body)
        cid = content_id(body)
        content = body.model_dump(mode="json", include=set(_CONTENT_FIELDS))
        return self.create_version(
            workspace,
            body,
            content,
            content_id=cid,
            same=lambda row: row.content_id == cid,
        )

    def to_specs(self, rows: list[AssetVersionRow], labels: dict[int, Any]) -> list[Environment]:
        """Environment versions as API models."""
        out = []
        for r in rows:
            spec = r.spec
            build = spec.get("build")
            out.append(
                Environment(
                    name=r.name,
                    version=r.version,
                    description=r.description,
                    tags=dict(r.tags),
                    properties=dict(r.properties),
                    labels=list(labels.get(r.id, [])),
                    archived=r.archived,
                    created_at=r.created_at,
                    updated_at=r.updated_at,
                    created_by=r.created_by,
                    image=spec.get("image"),
                    conda_file=spec.get("conda_file"),
                    pip_requirements=spec.get("pip_requirements"),
                    build=BuildContext.model_validate(build) if build is not None else None,
                    os_type=spec.get("os_type", "linux"),
                    content_hash=r.content_id or "",
                )
            )
        return out
