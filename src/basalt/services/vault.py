"""The vault key: where it lives, how it encrypts, and how it is replaced.

The key never enters the database. It is 32 random bytes used with AES-GCM (an authenticated
cipher): a file (``.basalt/vault.key``, mode 0600, created on first use, or ``vault.key_file``)
or a base64 value from settings (``vault.key``). Its id is derived from the key itself, so a
row records which key encrypted it and a replaced key file is recognized at once.

Rotation keeps a copy of each key still in use beside the key file (``vault.key.<key id>``)
until every row is re-encrypted and committed, so a crash at any step leaves every secret
readable; such copies are read as extra keys and removed by the next successful rotation.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from basalt.config import Settings
from basalt.errors import ConflictError

KEY_BYTES = 32
NONCE_BYTES = 12
_AAD_PREFIX = b"basalt-secret:v1"


@dataclass(frozen=True)
class VaultKey:
    """One key and its id (the key is left out of reprs)."""

    key_id: str
    key: bytes = field(repr=False)

    @classmethod
    def from_bytes(cls, key: bytes) -> VaultKey:
        """The key with its derived id (a hash of the key, safe to show and store)."""
        digest = hashlib.sha256(b"basalt-vault-key-id:" + key).hexdigest()
        return cls(digest[:16], key)

    @classmethod
    def generate(cls) -> VaultKey:
        """A new random key."""
        return cls.from_bytes(secrets.token_bytes(KEY_BYTES))


def associated_data(workspace: str, name: str) -> bytes:
    """What a ciphertext is bound to: its workspace and secret name."""
    return b"\0".join((_AAD_PREFIX, workspace.encode(), name.encode()))


def encrypt(key: VaultKey, plaintext: str, aad: bytes) -> tuple[bytes, bytes]:
    """Encrypt ``plaintext`` under ``key``; returns (ciphertext, nonce)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(NONCE_BYTES)
    return AESGCM(key.key).encrypt(nonce, plaintext.encode(), aad), nonce


def decrypt(key: VaultKey, ciphertext: bytes, nonce: bytes, aad: bytes) -> str | None:
    """The plaintext, or None when the ciphertext does not authenticate under ``key``/``aad``."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key.key).decrypt(nonce, ciphertext, aad).decode()
    except InvalidTag:
        return None


class Vault:
    """Finds, creates and replaces the vault key.

    The key file is read at each use, so replicas sharing it see a rotation at once.

    Args:
        key_file: The key file; None when the key comes from ``inline_key`` or is not set up.
        inline_key: A base64 key from settings; wins over ``key_file``.
    """

    def __init__(self, key_file: Path | None, inline_key: str | None = None) -> None:
        self.key_file = key_file
        self._inline = inline_key

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault of these settings (``vault.key``, else ``vault.key_file``, else .basalt/)."""
        inline = settings.vault.key.get_secret_value() if settings.vault.key else None
        return cls(settings.vault_key_file(), inline)

    def current(self, *, create: bool = False) -> VaultKey | None:
        """The key new values are encrypted under; made on first use when ``create`` is true.

        Raises:
            ConflictError: No key is configured, or the key (file) is not a valid key.
        """
        if self._inline is not None:
            return VaultKey.from_bytes(_decode(self._inline, "the vault.key setting"))
        path = self._require_file()
        if not path.exists():
            if not create:
                return None
            key = VaultKey.generate()
            _write_new(path, key)
            return _read(path)  # another process may have won the race: use its key
        return _read(path)

    def keyring(self) -> dict[str, VaultKey]:
        """Every key that may decrypt a row: the current one and copies kept by a rotation."""
        ring: dict[str, VaultKey] = {}
        current = self.current()
        if self._inline is None and self.key_file is not None and self.key_file.parent.is_dir():
            for extra in sorted(self.key_file.parent.glob(self.key_file.name + ".*")):
                with contextlib.suppress(ConflictError, OSError):
                    key = _read(extra)
                    ring[key.key_id] = key
        if current is not None:
            ring[current.key_id] = current
        return ring

    def stage(self, key: VaultKey) -> Path:
        """Write ``key`` beside the key file (``vault.key.<id>``), readable as an extra key.

        Raises:
            ConflictError: The key comes from settings and cannot be replaced by Basalt.
        """
        if self._inline is not None:
            raise ConflictError(
                "The vault key comes from the vault.key setting (BASALT_VAULT__KEY), which "
                "Basalt cannot replace; set vault.key_file instead to let 'rotate-key' manage it"
            )
        path = self._require_file()
        staged = path.with_name(f"{path.name}.{key.key_id}")
        if not staged.exists():
            _write_new(staged, key)
        return staged

    def install(self, staged: Path) -> None:
        """Make a staged key the current one (an atomic rename)."""
        os.replace(staged, self._require_file())
        _sync_dir(staged.parent)

    def drop_extras(self) -> None:
        """Remove the copies kept by rotations (call once no row needs them)."""
        path = self._require_file()
        for extra in path.parent.glob(path.name + ".*"):
            with contextlib.suppress(OSError):
                extra.unlink()

    def _require_file(self) -> Path:
        if self.key_file is None:
            raise ConflictError(
                "The vault has no key: set vault.key_file (BASALT_VAULT__KEY_FILE) or vault.key "
                "(BASALT_VAULT__KEY), or use an embedded workspace"
            )
        return self.key_file


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConflictError(f"{where} is not a vault key (expected {KEY_BYTES} bytes in base64)")
    return key


def _read(path: Path) -> VaultKey:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConflictError(f"Cannot read the vault key file {path}: {exc}") from None
    return VaultKey.from_bytes(_decode(text, f"The vault key file {path}"))


def _write_new(path: Path, key: VaultKey) -> None:
    """Create ``path`` holding ``key`` with mode 0600; never replaces an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(key.key).decode() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic and exclusive: a reader never sees half a key
    finally:
        tmp.unlink(missing_ok=True)
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
