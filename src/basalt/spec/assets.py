"""Request bodies shared by every versioned-asset kind (models, data, environments).

Each kind subclasses these under its own name (``ModelUpdate``, ``DataListQuery`` ...) with its
own docstring, so the OpenAPI schema names and descriptions stay per kind.
"""

from __future__ import annotations

from pydantic import Field

from basalt.spec.common import KeyValues, SpecModel


class AssetUpdate(SpecModel):
    """The mutable parts of a version; fields left out stay as they are."""

    description: str | None = None
    tags: KeyValues | None = None
    properties: KeyValues | None = None


class AssetLabelSet(SpecModel):
    """Point a label at one version."""

    version: str


class AssetListQuery(SpecModel):
    """Which versions to list."""

    name: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    include_archived: bool = False
    page_token: str | None = None
    max_results: int | None = Field(default=None, ge=1, le=10_000)
