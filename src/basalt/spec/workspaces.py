"""Workspaces: the top-level container of every asset and run."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from basalt.spec.common import Entity, Name, SpecModel


class WorkspaceCreate(SpecModel):
    """Body of a workspace creation."""

    name: Name
    description: str = ""


class Workspace(Entity):
    """A workspace as returned by the API."""

    name: str
    description: str = ""
    created_at: datetime = Field(description="When the workspace was created (UTC).")
