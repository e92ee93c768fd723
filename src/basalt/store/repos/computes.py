"""Compute target queries."""

from __future__ import annotations

from basalt.store.repos._named import NamedRowRepo
from basalt.store.tables import ComputeRow


class ComputeRepo(NamedRowRepo[ComputeRow]):
    """Reads and writes compute target rows."""

    row_type = ComputeRow
