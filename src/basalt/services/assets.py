"""Versioned assets: the one set of rules every kind shares (models now; data later).

A versioned asset is a name with versions. A version is given or the next integer; its content
never changes once created (only description, tags, properties and labels do). ``latest`` is the
newest non-archived version by creation; a label (``prod``) points at one version and moving it
is an update; an archived version is hidden from lists and ``latest`` but still resolves by its
exact version. Each kind subclasses ``VersionedAssetService`` and adds only its own content.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from basalt._internal.clock import Clock
from basalt.errors import (
    AlreadyExistsError,
    ConflictError,
    InternalError,
    NotFoundError,
    invalid,
)
from basalt.services.asset_uses import check_not_in_use
from basalt.services.registry_events import record_event
from basalt.services.workspaces import workspace_id
from basalt.spec.common import (
    DEFAULT_PAGE_SIZE,
    Page,
    check_name,
    check_value,
    decode_page_token,
    encode_page_token,
)
from basalt.spec.registry_events import RegistryEventType as Event
from basalt.store.repos.asset_uses import AssetUseRepo, DeletedVersionRepo
from basalt.store.repos.assets import AssetRepo
from basalt.store.tables import AssetVersionRow
from basalt.store.uow import Session, UnitOfWork

T = TypeVar("T")
Matches = Callable[[AssetVersionRow], bool]
"""Whether a stored version has the same content as the one being created."""


class AssetBody(Protocol):
    """What every kind's create body carries besides its content."""

    @property
    def name(self) -> str: ...  # noqa: D102
    @property
    def version(self) -> str | None: ...  # noqa: D102
    @property
    def description(self) -> str: ...  # noqa: D102
    @property
    def tags(self) -> Mapping[str, str]: ...  # noqa: D102
    @property
    def properties(self) -> Mapping[str, str]: ...  # noqa: D102
    @property
    def created_by(self) -> str | None: ...  # noqa: D102


LATEST = "latest"
MAX_VERSION_LENGTH = 64
_NEXT_VERSION_TRIES = 50


def check_version(version: str) -> str:
    """Validate a user-given version: a short name without ``/``, ``@`` or ``:``.

    Raises:
        InvalidArgumentError: Naming ``version``.
    """
    check_name(version, "version")
    if len(version) > MAX_VERSION_LENGTH or any(c in version for c in "/@:"):
        raise invalid(
            "version",
            f"version {version!r} must be at most {MAX_VERSION_LENGTH} characters "
            "without '/', '@' or ':'",
        )
    if version == LATEST:
        raise invalid("version", "'latest' is reserved; it always means the newest version")
    return version


class VersionedAssetService(ABC, Generic[T]):
    """The rules shared by every kind of versioned asset.

    Subclasses set ``kind`` (the store's kind column) and ``noun`` (for messages) and implement
    ``to_specs``; they add creation, since what a version holds differs by kind.

    Args:
        uow: The unit of work.
        clock: Time source.
    """

    kind = ""
    noun = "Asset"

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    @abstractmethod
    def to_specs(self, rows: builtins.list[AssetVersionRow], labels: dict[int, Any]) -> Any:
        """The API models of ``rows`` (``labels``: version id → its labels)."""

    # ---- creation (called by subclasses inside their own transaction) ----

    def insert_version(
        self, session: Session, ws_id: int, row: AssetVersionRow, version: str | None
    ) -> AssetVersionRow:
        """Insert ``row`` as ``version``, or as the next integer version when None.

        Racing writers of the next version are told apart by the unique constraint: the loser
        takes the next integer and tries again.

        Raises:
            AlreadyExistsError: ``version`` is taken.
            InvalidArgumentError: ``version`` is not a valid version.
        """
        repo = AssetRepo(session, self.kind)
        row.workspace_id = ws_id
        row.kind = self.kind
        if version is not None:
            check_version(version)
            row.version = version
            # NOTE: only canonical integers ("7", not "07") count towards the next version.
            canonical = version.isdigit() and len(version) < 10 and str(int(version)) == version
            row.seq = int(version) if canonical else None
            if not repo.try_add(row):
                raise AlreadyExistsError(
                    f"{self.noun} '{row.name}' version '{version}' already exists; versions "
                    "are immutable: register a new version",
                    details={"name": row.name, "version": version},
                )
            return self._created(session, row)
        # NOTE: a deleted version's number is never given again ("no gaps reused").
        deleted = DeletedVersionRepo(session, self.kind).max_seq(ws_id, row.name)
        for _ in range(_NEXT_VERSION_TRIES):
            seq = max(repo.max_seq(ws_id, row.name), deleted) + 1
            row.version, row.seq = str(seq), seq
            if repo.try_add(row):
                return self._created(session, row)
        raise InternalError(f"Could not pick the next version of {self.noun} '{row.name}'")

    def existing_same(
        self, session: Session, ws_id: int, name: str, version: str | None, same: Matches
    ) -> T | None:
        """The version ``name:version`` if it exists with the same content, else None.

        Re-creating a version with the same content is a no-op, as in Azure ML, so running
        ``create -f file.yml`` twice is safe.

        Raises:
            AlreadyExistsError: The version exists with different content.
        """
        if version is None:
            return None
        row = AssetRepo(session, self.kind).find(ws_id, name, version)
        if row is None:
            return None
        if same(row):
            return self._specs(session, [row])[0]
        raise AlreadyExistsError(
            f"{self.noun} '{name}' version '{version}' already exists with different content; "
            "versions are immutable: bump the version (or leave it out to get the next integer)",
            details={"name": name, "version": version},
        )

    def insert_or_same(
        self, session: Session, ws_id: int, row: AssetVersionRow, version: str | None, same: Matches
    ) -> T:
        """Insert ``row`` as ``version``.

        A writer that created the same version meanwhile is fine if its content is the same
        (see ``existing_same``).
        """
        try:
            self.insert_version(session, ws_id, row, version)
        except AlreadyExistsError:
            raced = self.existing_same(session, ws_id, row.name, version, same)
            if raced is None:
                raise
            return raced
        return self._specs(session, [row])[0]

    def find_same(self, workspace: str, name: str, version: str | None, same: Matches) -> T | None:
        """``existing_same`` in a read transaction of its own (before costly work)."""
        with self.uow() as session:
            return self.existing_same(
                session, workspace_id(session, workspace), name, version, same
            )

    def create_version(
        self,
        workspace: str,
        body: AssetBody,
        spec: dict[str, Any],
        *,
        content_id: str | None,
        same: Matches,
        run_id: Callable[[Session, int], int | None] | None = None,
    ) -> T:
        """Create an immutable version holding ``spec``, or return the same content if there.

        The one way content-addressed kinds (data, environments, components) create a version:
        in one write transaction, the same content at ``body.version`` is returned unchanged,
        different content is refused, and otherwise the row is inserted (racing writers of
        the same content both succeed).

        Args:
            workspace: The workspace.
            body: Name, version, description, tags, properties and creator.
            spec: The kind's own content for the ``spec`` column.
            content_id: The content's hash (``asset_versions.content_id``).
            same: Whether a stored version holds the same content.
            run_id: Looks up the producing run's id in the transaction (``session``,
                workspace id), for versions made from a run's files.

        Raises:
            AlreadyExistsError: The version exists with different content.
            NotFoundError: No such workspace (or run).
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            existing = self.existing_same(session, ws_id, body.name, body.version, same)
            if existing is not None:
                return existing
            now = self.clock.now()
            row = AssetVersionRow(
                name=body.name,
                description=body.description,
                tags=dict(body.tags),
                properties=dict(body.properties),
                spec=spec,
                content_id=content_id,
                run_id=run_id(session, ws_id) if run_id is not None else None,
                archived=False,
                created_at=now,
                updated_at=now,
                created_by=body.created_by,
            )
            return self.insert_or_same(session, ws_id, row, body.version, same)

    # ---- reads ----

    def resolve_row(
        self,
        session: Session,
        ws_id: int,
        name: str,
        version: str | None = None,
        label: str | None = None,
    ) -> AssetVersionRow:
        """The version a caller means: exact ``version``, a ``label``, or ``latest``.

        Raises:
            NotFoundError: No such name, version or label.
            InvalidArgumentError: Both ``version`` and ``label`` are given.
        """
        if version is not None and label is not None:
            raise invalid("label", "give a version or a label, not both")
        repo = AssetRepo(session, self.kind)
        if version == LATEST:
            version, label = None, LATEST
        if version is not None:
            row = repo.find(ws_id, name, version)
            if row is None:
                raise NotFoundError(
                    f"{self.noun} '{name}' has no version '{version}'",
                    details={"name": name, "version": version},
                )
            return row
        if label is None or label == LATEST:
            latest = repo.latest(ws_id, name)
            if latest is None:
                raise NotFoundError(
                    f"{self.noun} '{name}' not found (or every version is archived)",
                    details={"name": name},
                )
            return latest
        found = repo.find_label(ws_id, name, label)
        row = session.get(AssetVersionRow, found.version_id) if found is not None else None
        if row is None:
            raise NotFoundError(
                f"{self.noun} '{name}' has no label '{label}'",
                details={"name": name, "label": label},
            )
        return row

    def get(
        self, workspace: str, name: str, version: str | None = None, label: str | None = None
    ) -> T:
        """One version: exact, by label, or the latest.

        Raises:
            NotFoundError: No such workspace, name, version or label.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = self.resolve_row(session, ws_id, name, version, label)
            return self._specs(session, [row])[0]

    def list(
        self,
        workspace: str,
        *,
        name: str | None = None,
        tags: dict[str, str] | None = None,
        include_archived: bool = False,
        page_token: str | None = None,
        max_results: int | None = None,
    ) -> Page[T]:
        """Versions by name, newest first, optionally of one name and with all ``tags``.

        NOTE: tags live in a JSON column and are matched here, not in SQL; fine for registries
        of thousands of versions, to move into SQL if they grow past that.
        """
        limit = max_results or DEFAULT_PAGE_SIZE
        offset = decode_page_token(page_token)
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            repo = AssetRepo(session, self.kind)
            if tags:
                rows = [
                    r
                    for r in repo.list(
                        ws_id, name=name, include_archived=include_archived, offset=0, limit=None
                    )
                    if all(r.tags.get(k) == v for k, v in tags.items())
                ][offset : offset + limit + 1]
            else:
                rows = repo.list(
                    ws_id,
                    name=name,
                    include_archived=include_archived,
                    offset=offset,
                    limit=limit + 1,
                )
            token = encode_page_token(offset + limit) if len(rows) > limit else None
            return Page(items=self._specs(session, rows[:limit]), next_page_token=token)

    # ---- updates ----

    def update(
        self,
        workspace: str,
        name: str,
        version: str,
        *,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> T:
        """Change the mutable parts of a version (given fields replace the old ones).

        Raises:
            NotFoundError: No such version.
            InvalidArgumentError: A bad tag or property.
        """
        for field, values in (("tags", tags), ("properties", properties)):
            for key, value in (values or {}).items():
                check_name(key, f"{field} key")
                check_value(value, f"value of {key!r}")
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self.resolve_row(session, ws_id, name, version)
            if description is not None:
                row.description = description
            if tags is not None:
                row.tags = dict(tags)
            if properties is not None:
                row.properties = dict(properties)
            row.updated_at = self.clock.now()
            session.flush()
            return self._specs(session, [row])[0]

    def archive(self, workspace: str, name: str, version: str, archived: bool = True) -> T:
        """Hide a version from lists and ``latest`` (or show it again).

        Raises:
            NotFoundError: No such version.
            ConflictError: Archiving a version that something uses (a deployment ...); the
                message names the users.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self.resolve_row(session, ws_id, name, version)
            if archived and not row.archived:
                check_not_in_use(session, ws_id, self.kind, row.name, row.version, "archive")
            if row.archived != archived:
                row.archived = archived
                row.updated_at = self.clock.now()
                session.flush()
                event = Event.ARCHIVED if archived else Event.RESTORED
                self._event(session, ws_id, row.name, row.version, event)
            return self._specs(session, [row])[0]

    def delete(self, workspace: str, name: str, version: str) -> None:
        """Delete an archived version: its record and labels go, its bytes become garbage.

        The files stay stored until ``basalt gc`` finds that nothing references them (a file
        another version also holds is kept). The version's number is never given again.

        Raises:
            NotFoundError: No such version.
            ConflictError: The version is not archived (archive it first), or something uses
                it (the message names the users).
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self.resolve_row(session, ws_id, name, version)
            if not row.archived:
                raise ConflictError(
                    f"{self.noun} '{row.name}' version '{row.version}' is not archived; archive "
                    f"it first: basalt {self.kind} archive {row.name} --version {row.version}",
                    details={"name": row.name, "version": row.version},
                )
            check_not_in_use(session, ws_id, self.kind, row.name, row.version, "delete")
            for label in AssetRepo(session, self.kind).labels([row.id])[row.id]:
                AssetRepo(session, self.kind).delete_label(ws_id, row.name, label)
            if row.seq is not None:
                DeletedVersionRepo(session, self.kind).remember(
                    ws_id, row.name, row.seq, self.clock.now()
                )
            details = {"content_hash": row.content_id} if row.content_id else {}
            deleted_name, deleted_version = row.name, row.version
            session.delete(row)
            session.flush()
            self._event(session, ws_id, deleted_name, deleted_version, Event.DELETED, details)

    def rename(self, workspace: str, name: str, new_name: str) -> builtins.list[T]:
        """Give every version (and label) of ``name`` the name ``new_name``; MLflow's rename.

        Content, lineage and version numbers stay as they were.

        Raises:
            NotFoundError: ``name`` has no versions.
            AlreadyExistsError: ``new_name`` is taken.
            InvalidArgumentError: ``new_name`` is not a valid name.
        """
        check_name(new_name, "new_name")
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = AssetRepo(session, self.kind)
            if new_name != name and repo.count(ws_id, new_name):
                raise AlreadyExistsError(
                    f"{self.noun} '{new_name}' already exists; choose another name",
                    details={"name": new_name},
                )
            if repo.rename(ws_id, name, new_name) == 0:
                raise NotFoundError(f"{self.noun} '{name}' not found", details={"name": name})
            DeletedVersionRepo(session, self.kind).rename(ws_id, name, new_name, self.clock.now())
            AssetUseRepo(session).rename(ws_id, self.kind, name, new_name)
            session.flush()
            rows = repo.list(ws_id, name=new_name, include_archived=True, offset=0, limit=None)
            return self._specs(session, rows)

    def set_label(self, workspace: str, name: str, label: str, version: str) -> T:
        """Point ``label`` at ``version`` of ``name`` (moving it if it pointed elsewhere).

        Raises:
            NotFoundError: No such version.
            InvalidArgumentError: ``label`` is not a valid label, or is ``latest``.
        """
        if label == LATEST:
            raise invalid("label", "'latest' is reserved; it always means the newest version")
        check_name(label, "label")
        if len(label) > MAX_VERSION_LENGTH or any(c in label for c in "/@:"):
            raise invalid("label", f"label {label!r} must be short and without '/', '@' or ':'")
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self.resolve_row(session, ws_id, name, version)
            repo = AssetRepo(session, self.kind)
            before = repo.find_label(ws_id, name, label)
            previous = session.get(AssetVersionRow, before.version_id) if before else None
            if previous is None or previous.id != row.id:
                repo.set_label(ws_id, name, label, row.id)
                details = {"label": label, "previous_version": previous and previous.version}
                self._event(session, ws_id, name, row.version, Event.LABEL_SET, details)
            return self._specs(session, [row])[0]

    def delete_label(self, workspace: str, name: str, label: str) -> None:
        """Remove ``label`` from ``name``.

        Raises:
            NotFoundError: No such label.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = AssetRepo(session, self.kind)
            found = repo.find_label(ws_id, name, label)
            target = session.get(AssetVersionRow, found.version_id) if found else None
            if not repo.delete_label(ws_id, name, label):
                raise NotFoundError(
                    f"{self.noun} '{name}' has no label '{label}'",
                    details={"name": name, "label": label},
                )
            version = target.version if target else None
            self._event(session, ws_id, name, version, Event.LABEL_REMOVED, {"label": label})

    def _created(self, session: Session, row: AssetVersionRow) -> AssetVersionRow:
        details = {"content_hash": row.content_id} if row.content_id else {}
        self._event(
            session,
            row.workspace_id,
            row.name,
            row.version,
            Event.CREATED,
            details,
            actor=row.created_by,
        )
        return row

    def _event(
        self,
        session: Session,
        ws_id: int,
        name: str,
        version: str | None,
        event: Event,
        details: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> None:
        """Record a registry event in this transaction (``services/registry_events.py``)."""
        record_event(
            session,
            ws_id,
            self.kind,
            name,
            version,
            event,
            self.clock.now(),
            details=details,
            actor=actor,
        )

    def _specs(self, session: Session, rows: builtins.list[AssetVersionRow]) -> builtins.list[T]:
        labels = AssetRepo(session, self.kind).labels([r.id for r in rows])
        return self.to_specs(rows, labels)  # type: ignore[no-any-return]
