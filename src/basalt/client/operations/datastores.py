"""``client.datastores``: named connections to storage (Azure ML's ``ml_client.datastores``)."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from basalt.client._uploads import current_user
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.datastores import Datastore, DatastoreCreate


class DatastoreOperations:
    """Datastores of the client's workspace; credentials go to the vault and come back masked."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def create(
        self, datastore: DatastoreCreate | Any, *, skip_validation: bool = False
    ) -> Datastore:
        """Create a datastore; raises AlreadyExistsError when the name is taken.

        Raises:
            InvalidArgumentError: A bad setting, or credentials that fail the check request.
            AlreadyExistsError: The name is taken.
        """
        body = self._body(datastore, skip_validation)
        return self._t.call(ops.DATASTORES_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def create_or_update(
        self, datastore: DatastoreCreate | Any, *, skip_validation: bool = False
    ) -> Datastore:
        """Create a datastore, or replace the settings and credentials of the one of that name.

        Raises:
            InvalidArgumentError: A bad setting, or credentials that fail the check request.
        """
        body = self._body(datastore, skip_validation)
        params = {"workspace": self._ws, "name": body.name}
        return self._t.call(ops.DATASTORES_PUT, params, body=body)  # type: ignore[no-any-return]

    def get(self, name: str) -> Datastore:
        """The datastore called ``name`` (credentials masked); raises NotFoundError if none."""
        return self._t.call(ops.DATASTORES_GET, {"workspace": self._ws, "name": name})  # type: ignore[no-any-return]

    def get_default(self) -> Datastore:
        """The default datastore (``workspaceblobstore``)."""
        return self.get("workspaceblobstore")

    def list(self) -> builtins.list[Datastore]:
        """Datastores of the workspace by name, built-ins included."""
        return self._t.call(ops.DATASTORES_LIST, {"workspace": self._ws})  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        """Remove a datastore and its credentials (its files stay where they are)."""
        self._t.call(ops.DATASTORES_DELETE, {"workspace": self._ws, "name": name})

    def load(self, file: str | Path) -> DatastoreCreate:
        """A ``DatastoreCreate`` from a datastore YAML file (errors say file:line: key).

        Raises:
            InvalidArgumentError: The file is not a valid datastore YAML.
        """
        from basalt.spec.datastore_yaml import load_datastore_yaml

        return load_datastore_yaml(Path(file))

    def _body(self, datastore: DatastoreCreate | Any, skip_validation: bool) -> DatastoreCreate:
        if isinstance(datastore, DatastoreCreate):
            body = datastore
        else:
            names = [k for k in DatastoreCreate.model_fields if hasattr(datastore, k)]
            fields = {k: getattr(datastore, k) for k in names if getattr(datastore, k) is not None}
            body = DatastoreCreate.model_validate(fields)
        update: dict[str, Any] = {}
        if skip_validation:
            update["skip_validation"] = True
        if body.created_by is None:
            update["created_by"] = current_user()
        return body.model_copy(update=update) if update else body
