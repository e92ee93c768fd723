"""The vault: secrets of a workspace, encrypted at rest under a key kept outside the database.

Each row holds the AES-GCM ciphertext, its nonce and the id of the key that made it; the
associated data binds a ciphertext to its workspace and name, so a ciphertext copied to
another secret does not decrypt. Values never appear in logs, errors or metadata.
"""

from __future__ import annotations

import logging

from basalt._internal.clock import Clock
from basalt.errors import ConflictError, NotFoundError, invalid
from basalt.services.vault import Vault, VaultKey, associated_data, decrypt, encrypt
from basalt.services.workspaces import workspace_id
from basalt.spec.secrets import (
    MAX_SECRET_BYTES,
    KeyRotation,
    Secret,
    SecretReveal,
    SecretSet,
    check_secret_name,
)
from basalt.store.repos.secrets import SecretRepo
from basalt.store.tables import SecretRow
from basalt.store.uow import Session, UnitOfWork

logger = logging.getLogger(__name__)


class SecretService:
    """Secret rules: names validated like other names, values encrypted, never shown in lists."""

    def __init__(self, uow: UnitOfWork, clock: Clock, vault: Vault) -> None:
        self.uow = uow
        self.clock = clock
        self.vault = vault

    def set_secret(self, workspace: str, name: str, body: SecretSet) -> Secret:
        """Create a secret or replace its value.

        Raises:
            NotFoundError: No such workspace.
            InvalidArgumentError: A bad name, or an empty or too long value.
            ConflictError: The vault has no usable key.
        """
        check_secret_name(name)
        value = body.value.get_secret_value()
        if value == "":
            raise invalid("value", f"The value of secret '{name}' must not be empty")
        if len(value.encode()) > MAX_SECRET_BYTES:
            raise invalid("value", f"The value of secret '{name}' is over {MAX_SECRET_BYTES} bytes")
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self.put_in(session, ws_id, workspace, name, value, body.set_by)
            logger.info("set secret %s in %s", name, workspace)
            return _to_spec(row)

    def put_in(
        self, session: Session, ws_id: int, workspace: str, name: str, value: str, by: str | None
    ) -> SecretRow:
        """Encrypt and store a value inside the caller's transaction, with no name check.

        For other services that keep values under reserved names (``datastores/<name>``,
        which ``check_secret_name`` refuses to users); user secrets go through ``set_secret``.

        Raises:
            ConflictError: The vault has no usable key.
        """
        repo = SecretRepo(session)
        # NOTE: the key is read under the vault lock, so a rotation in progress cannot
        # leave this value under the key it is replacing.
        repo.lock_vault()
        key = self.vault.current(create=True)
        assert key is not None
        ciphertext, nonce = encrypt(key, value, associated_data(workspace, name))
        row = repo.find(ws_id, name)
        now = self.clock.now()
        if row is None:
            row = SecretRow(
                workspace_id=ws_id,
                name=name,
                created_at=now,
                created_by=by,
                previous_key_id=None,
                ciphertext=ciphertext,
                nonce=nonce,
                key_id=key.key_id,
                updated_at=now,
                updated_by=by,
            )
            repo.add(row)
        else:
            row.ciphertext, row.nonce, row.key_id = ciphertext, nonce, key.key_id
            row.updated_at, row.updated_by = now, by
            session.flush()
        return row

    def reveal_reserved(self, workspace: str, name: str) -> str | None:
        """The value stored under a reserved name by ``put_in``; None if there is none.

        Raises:
            NotFoundError: No such workspace.
            ConflictError: The value does not decrypt under the vault key.
        """
        with self.uow() as session:
            row = SecretRepo(session).find(workspace_id(session, workspace), name)
            if row is None:
                return None
            return self._decrypt(self.vault.keyring(), workspace, row)

    def delete_in(self, session: Session, ws_id: int, name: str) -> None:
        """Remove a value stored under a reserved name, inside the caller's transaction."""
        repo = SecretRepo(session)
        row = repo.find(ws_id, name)
        if row is not None:
            repo.delete(row)

    def get_secret(self, workspace: str, name: str) -> Secret:
        """A secret's metadata (never its value).

        Raises:
            NotFoundError: No such workspace or secret.
        """
        with self.uow() as session:
            return _to_spec(self._row(session, workspace, name))

    def reveal_secret(self, workspace: str, name: str) -> SecretReveal:
        """A secret's value.

        Raises:
            NotFoundError: No such workspace or secret.
            ConflictError: The vault key does not match the one the value was encrypted under.
        """
        with self.uow() as session:
            row = self._row(session, workspace, name)
            value = self._decrypt(self.vault.keyring(), workspace, row)
        return SecretReveal.model_validate({"name": name, "value": value})

    def list_secrets(self, workspace: str) -> list[Secret]:
        """Secrets of a workspace by name: who set them and when, never their values.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            rows = SecretRepo(session).list(ws_id)
            # NOTE: names with "/" are reserved (datastore credentials): users cannot make them.
            return [_to_spec(row) for row in rows if "/" not in row.name]

    def delete_secret(self, workspace: str, name: str) -> None:
        """Remove a secret.

        Raises:
            NotFoundError: No such workspace or secret.
        """
        with self.uow(write=True) as session:
            SecretRepo(session).delete(self._row(session, workspace, name))
            logger.info("deleted secret %s in %s", name, workspace)

    def rotate_key(self) -> KeyRotation:
        """Re-encrypt every secret of every workspace under a new key, then replace the key.

        The new key is written beside the old one first; the rows are re-encrypted in one
        transaction, and the key file is replaced by an atomic rename before it commits (with
        a copy of the old key kept until the commit succeeds), so every secret stays readable
        whatever step fails.

        Raises:
            ConflictError: A secret does not decrypt under the current key (nothing changes),
                or the key comes from settings and cannot be replaced.
        """
        new = VaultKey.generate()
        staged = self.vault.stage(new)
        installed = False
        try:
            with self.uow(write=True) as session:
                repo = SecretRepo(session)
                repo.lock_vault()
                ring = self.vault.keyring()
                old = self.vault.current()
                names = repo.workspace_names()
                rows = repo.all_for_update()
                for row in rows:
                    ws = names[row.workspace_id]
                    value = self._decrypt(ring, ws, row)
                    row.ciphertext, row.nonce = encrypt(new, value, associated_data(ws, row.name))
                    row.previous_key_id, row.key_id = row.key_id, new.key_id
                session.flush()
                if old is not None:
                    self.vault.stage(old)  # kept until the commit below succeeds
                self.vault.install(staged)
                installed = True
        except BaseException:
            if not installed:
                staged.unlink(missing_ok=True)
            raise
        self.vault.drop_extras()
        old_id = old.key_id if old is not None else None
        logger.info("rotated the vault key %s -> %s (%d secrets)", old_id, new.key_id, len(rows))
        return KeyRotation(old_key_id=old_id, new_key_id=new.key_id, secrets=len(rows))

    def _row(self, session: Session, workspace: str, name: str) -> SecretRow:
        check_secret_name(name)  # reserved names (with "/") are not the user's to read
        ws_id = workspace_id(session, workspace)
        row = SecretRepo(session).find(ws_id, name)
        if row is None:
            raise NotFoundError(f"Secret '{name}' not found in workspace '{workspace}'")
        return row

    def _decrypt(self, ring: dict[str, VaultKey], workspace: str, row: SecretRow) -> str:
        key = ring.get(row.key_id)
        if key is None:
            current = ", ".join(sorted(ring)) or "none"
            raise ConflictError(
                f"Secret '{row.name}' cannot be decrypted: the vault key does not match the one "
                f"it was encrypted with (key id {row.key_id}; vault key id {current}); restore "
                "the vault key (vault.key_file, default .basalt/vault.key) it was set with",
                details={"secret": row.name, "key_id": row.key_id},
            )
        value = decrypt(key, row.ciphertext, row.nonce, associated_data(workspace, row.name))
        if value is None:
            raise ConflictError(
                f"Secret '{row.name}' cannot be decrypted: its ciphertext does not authenticate "
                f"under vault key {key.key_id} for this workspace and name (it was altered or "
                "copied from another secret)",
                details={"secret": row.name, "key_id": row.key_id},
            )
        return value


def _to_spec(row: SecretRow) -> Secret:
    return Secret(
        name=row.name,
        key_id=row.key_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        updated_by=row.updated_by,
    )
