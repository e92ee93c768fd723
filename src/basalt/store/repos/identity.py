"""Identity queries: users, API tokens, memberships."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from basalt.store.tables import MembershipRow, TokenRow, UserRow, WorkspaceRow


class IdentityRepo:
    """Reads and writes users, tokens and memberships."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def count_users(self) -> int:
        """How many users exist."""
        return int(self.session.scalar(select(func.count()).select_from(UserRow)) or 0)

    def user(self, name: str) -> UserRow | None:
        """The user called ``name``, or None."""
        return self.session.scalars(select(UserRow).where(UserRow.name == name)).first()

    def user_by_id(self, user_id: int) -> UserRow | None:
        """The user with this id, or None."""
        return self.session.get(UserRow, user_id)

    def users(self) -> list[UserRow]:
        """Every user, by name."""
        return list(self.session.scalars(select(UserRow).order_by(UserRow.name)))

    def add(self, row: UserRow | TokenRow | MembershipRow) -> None:
        """Insert a row."""
        self.session.add(row)
        self.session.flush()

    def token_by_hash(self, secret_hash: str) -> TokenRow | None:
        """The token whose secret hashes to ``secret_hash``, or None."""
        return self.session.scalars(
            select(TokenRow).where(TokenRow.secret_hash == secret_hash)
        ).first()

    def token(self, public_id: str) -> TokenRow | None:
        """The token with this public id, or None."""
        return self.session.scalars(select(TokenRow).where(TokenRow.public_id == public_id)).first()

    def tokens(self, user_id: int | None) -> list[TokenRow]:
        """Tokens of one user (or of everyone), oldest first."""
        q = select(TokenRow).order_by(TokenRow.id)
        if user_id is not None:
            q = q.where(TokenRow.user_id == user_id)
        return list(self.session.scalars(q))

    def membership(self, workspace_id: int, user_id: int) -> MembershipRow | None:
        """A user's membership of a workspace, or None."""
        return self.session.get(MembershipRow, (workspace_id, user_id))

    def members(self, workspace_id: int) -> list[tuple[MembershipRow, UserRow]]:
        """A workspace's memberships with their users, by user name."""
        q = (
            select(MembershipRow, UserRow)
            .join(UserRow, UserRow.id == MembershipRow.user_id)
            .where(MembershipRow.workspace_id == workspace_id)
            .order_by(UserRow.name)
        )
        return [(m, u) for m, u in self.session.execute(q).all()]

    def workspace_roles(self, user_id: int) -> dict[str, str]:
        """Workspace name → role, for every workspace the user is a member of."""
        q = (
            select(WorkspaceRow.name, MembershipRow.role)
            .join(MembershipRow, MembershipRow.workspace_id == WorkspaceRow.id)
            .where(MembershipRow.user_id == user_id)
        )
        return {name: role for name, role in self.session.execute(q).all()}

    def workspace_name(self, workspace_id: int | None) -> str | None:
        """The name of a workspace id (None for None)."""
        if workspace_id is None:
            return None
        row = self.session.get(WorkspaceRow, workspace_id)
        return row.name if row else None
