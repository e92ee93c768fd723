"""Datastore queries."""

from __future__ import annotations

from basalt.store.repos._named import NamedRowRepo
from basalt.store.tables import DatastoreRow


class DatastoreRepo(NamedRowRepo[DatastoreRow]):
    """Reads and writes datastore rows."""

    row_type = DatastoreRow
