"""The transport protocol every SDK call goes through."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Protocol

from pydantic import BaseModel

from basalt.spec.operations import Operation


class Transport(Protocol):
    """Carries one operation to services and brings back its typed result or a BasaltError.

    ``same_machine`` is True when the services run in this process (embedded mode): local
    paths are then visible to them and need no upload.
    """

    same_machine: bool

    def call(
        self,
        op: Operation,
        params: dict[str, str],
        *,
        query: dict[str, Any] | None = None,
        body: BaseModel | None = None,
    ) -> Any:
        """Run ``op`` and return its result decoded as ``op.response`` (None if it has none)."""
        ...

    def upload(self, op: Operation, params: dict[str, str], source: Path | BinaryIO) -> Any:
        """Send a file's bytes as the body of ``op``."""
        ...

    def download(self, op: Operation, params: dict[str, str], dest: BinaryIO) -> None:
        """Stream the bytes ``op`` returns into ``dest``."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def clean_query(query: dict[str, Any] | None) -> dict[str, Any]:
    """Drop unset query parameters and render booleans the way servers parse them."""
    out: dict[str, Any] = {}
    for key, value in (query or {}).items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out
