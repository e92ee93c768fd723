"""The in-use guard: who uses an asset version, so it is not archived or deleted under them.

Whatever uses a version (a deployment of an endpoint; later a monitor or a schedule) registers
the use here when it starts and releases it when it stops. While one use remains,
``VersionedAssetService.archive`` and ``delete`` refuse the version with a message that names
every user and says what to do. The users' services call ``register_use`` / ``release_use``
inside their own transaction where they can (``register_use_in`` / ``release_use_in``), so a
deployment and its use are recorded together.
"""

from __future__ import annotations

from basalt._internal.clock import Clock
from basalt.errors import ConflictError
from basalt.services.workspaces import workspace_id
from basalt.spec.asset_uses import AssetUse
from basalt.spec.common import check_name
from basalt.store.repos.asset_uses import AssetUseRepo
from basalt.store.tables import AssetUseRow
from basalt.store.uow import Session, UnitOfWork

_NEXT_STEP = {
    "deployment": "delete or update the deployment first",
    "batch-deployment": "delete or update the batch deployment first",
}


def _to_spec(row: AssetUseRow) -> AssetUse:
    return AssetUse(
        kind=row.kind,
        name=row.name,
        version=row.version,
        user_kind=row.user_kind,
        user_name=row.user_name,
        created_at=row.created_at,
    )


def check_not_in_use(
    session: Session, ws_id: int, kind: str, name: str, version: str, action: str
) -> None:
    """Refuse ``action`` on a version that something uses.

    Args:
        session: The caller's open session.
        ws_id: The workspace id.
        kind: The asset kind (``model``).
        name: The asset name.
        version: The version.
        action: What the caller is about to do (``archive``, ``delete``), for the message.

    Raises:
        ConflictError: The version has users; the message names each of them, e.g.
            "model demo:3 is used by deployment ep1/blue; delete or update the
            deployment first (it cannot be archived while in use)".
    """
    rows = AssetUseRepo(session).users_of(ws_id, kind, name, version)
    if not rows:
        return
    users = [_to_spec(r) for r in rows]
    steps = sorted({_NEXT_STEP.get(u.user_kind, f"remove that {u.user_kind} first") for u in users})
    raise ConflictError(
        f"{kind} {name}:{version} is used by {', '.join(u.describe() for u in users)}; "
        f"{'; '.join(steps)} (it cannot be {action}d while in use)",
        details={
            "kind": kind,
            "name": name,
            "version": version,
            "users": [{"kind": u.user_kind, "name": u.user_name} for u in users],
        },
    )


class AssetUseService:
    """Registers, releases and lists the users of asset versions.

    Args:
        uow: The unit of work.
        clock: Time source.

    Example:
        >>> uses.register_use("default", "model", "demo", "3", "deployment",
        ...                   "ep1/blue")  # doctest: +SKIP
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def register_use(
        self, workspace: str, kind: str, name: str, version: str, user_kind: str, user_name: str
    ) -> AssetUse:
        """Record that ``user_kind user_name`` uses ``kind name:version`` (idempotent).

        The version need not be checked here: the registering service resolves it first.

        Raises:
            NotFoundError: No such workspace.
            InvalidArgumentError: An empty or too long name.
        """
        with self.uow(write=True) as session:
            return self.register_use_in(
                session, workspace_id(session, workspace), kind, name, version, user_kind, user_name
            )

    def register_use_in(
        self,
        session: Session,
        ws_id: int,
        kind: str,
        name: str,
        version: str,
        user_kind: str,
        user_name: str,
    ) -> AssetUse:
        """``register_use`` inside the caller's transaction.

        Raises:
            InvalidArgumentError: An empty or too long name.
        """
        for value, field in ((user_kind, "user_kind"), (user_name, "user_name")):
            check_name(value, field)
        row = AssetUseRow(
            workspace_id=ws_id,
            kind=kind,
            name=name,
            version=version,
            user_kind=user_kind,
            user_name=user_name,
            created_at=self.clock.now(),
        )
        repo = AssetUseRepo(session)
        if not repo.add(row):  # registered already: the first registration stands
            row = next(
                r
                for r in repo.users_of(ws_id, kind, name, version)
                if (r.user_kind, r.user_name) == (user_kind, user_name)
            )
        return _to_spec(row)

    def release_use(
        self, workspace: str, kind: str, name: str, version: str, user_kind: str, user_name: str
    ) -> bool:
        """Forget one use; True when it was registered (releasing twice is fine).

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow(write=True) as session:
            return self.release_use_in(
                session, workspace_id(session, workspace), kind, name, version, user_kind, user_name
            )

    def release_use_in(
        self,
        session: Session,
        ws_id: int,
        kind: str,
        name: str,
        version: str,
        user_kind: str,
        user_name: str,
    ) -> bool:
        """``release_use`` inside the caller's transaction."""
        return AssetUseRepo(session).remove(ws_id, kind, name, version, user_kind, user_name) > 0

    def users_of(self, workspace: str, kind: str, name: str, version: str) -> list[AssetUse]:
        """Who uses one version, oldest use first.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            rows = AssetUseRepo(session).users_of(
                workspace_id(session, workspace), kind, name, version
            )
            return [_to_spec(r) for r in rows]
