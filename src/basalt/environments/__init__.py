"""Resolve environments to pip requirements and materialize them as cached uv venvs.

Import-light: nothing here runs uv or touches the disk until a function is called.
"""

from basalt.environments.curated import CURATED_TABLE, CuratedEnvironment, curated
from basalt.environments.dockerfile import render_dockerfile, write_docker_context
from basalt.environments.materialize import (
    MaterializedEnvironment,
    list_cached,
    materialize,
    remove,
    tracking_overlay,
)
from basalt.environments.pythons import available_pythons, find_python
from basalt.environments.resolve import ResolvedEnvironment, resolve

__all__ = [
    "CURATED_TABLE",
    "CuratedEnvironment",
    "MaterializedEnvironment",
    "ResolvedEnvironment",
    "available_pythons",
    "curated",
    "find_python",
    "list_cached",
    "materialize",
    "remove",
    "render_dockerfile",
    "resolve",
    "tracking_overlay",
    "write_docker_context",
]
