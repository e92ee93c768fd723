"""Run lookups shared by the run service modules."""

from __future__ import annotations

from basalt.errors import NotFoundError
from basalt.store.repos.runs import RunRepo
from basalt.store.tables import RunRow
from basalt.store.uow import Session


def get_run_row(
    session: Session, ws_id: int, workspace: str, name: str, *, lock: bool = False
) -> RunRow:
    """The row of run ``name``.

    Raises:
        NotFoundError: No such run in the workspace.
    """
    row = RunRepo(session).find_by_name(ws_id, name, lock=lock)
    if row is None:
        raise NotFoundError(
            f"Run '{name}' not found in workspace '{workspace}'", details={"run": name}
        )
    return row
