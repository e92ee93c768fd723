"""Identity: users (argon2 passwords), API tokens (stored as SHA-256), sign-in and its limits.

Token secrets are ``bas_`` plus 43 URL-safe characters (256 random bits); only their SHA-256
is stored, with a public id ``tok_...`` to list and revoke them. Nothing here logs a secret.

Failed password sign-ins are counted in this process's memory, per account and per address:
``MAX_FAILURES`` failures within ``FAILURE_WINDOW_S`` seconds refuse further attempts with
``TooManyRequestsError`` until the window has passed. Each server worker counts on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections import deque
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from basalt._internal.clock import Clock
from basalt.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
    UnauthenticatedError,
)
from basalt.services.oidc import OidcVerifier, looks_like_jwt
from basalt.spec.auth import (
    LOCAL,
    LoginRequest,
    Principal,
    Role,
    Token,
    TokenCreate,
    TokenCreated,
    User,
    UserCreate,
)
from basalt.store.repos.identity import IdentityRepo
from basalt.store.tables import TokenRow, UserRow
from basalt.store.uow import UnitOfWork

logger = logging.getLogger(__name__)

SECRET_PREFIX = "bas_"  # noqa: S105 - the prefix every token secret starts with
MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
LAST_USED_EVERY_S = 60.0
VERIFIED_FOR_S = 60.0
_BAD_CREDENTIALS = "Invalid user name or password"


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest a token's secret is stored as."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _user_spec(row: UserRow) -> User:
    return User(
        name=row.name, is_admin=row.is_admin, disabled=row.disabled, created_at=row.created_at
    )


class IdentityService:
    """Users, tokens and sign-in.

    Args:
        uow: The store's unit of work.
        clock: Time source (expiry, rate limits, ``last_used_at``).
        oidc: Verifier of identity-provider tokens; None: OIDC sign-in is off.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, oidc: OidcVerifier | None = None) -> None:
        self.uow = uow
        self.clock = clock
        self.oidc = oidc
        self._hasher = PasswordHasher()
        self._dummy_hash: str | None = None
        self._failures: dict[tuple[str, str], deque[datetime]] = {}
        self._verified: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    # --- users ------------------------------------------------------------------------------

    def create_user(self, body: UserCreate) -> User:
        """Create a local account.

        Raises:
            AlreadyExistsError: The name is taken.
        """
        password = body.password.get_secret_value() if body.password else None
        pw_hash = self._hasher.hash(password) if password else None
        with self.uow(write=True) as session:
            repo = IdentityRepo(session)
            if repo.user(body.name) is not None:
                raise AlreadyExistsError(f"User '{body.name}' already exists")
            now = self.clock.now()
            row = UserRow(
                name=body.name,
                password_hash=pw_hash,
                is_admin=body.admin,
                disabled=False,
                created_at=now,
                updated_at=now,
            )
            repo.add(row)
            logger.info("created user %s (admin=%s)", body.name, body.admin)
            return _user_spec(row)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self.uow() as session:
            return [_user_spec(r) for r in IdentityRepo(session).users()]

    def get_user(self, name: str) -> User:
        """The user called ``name``.

        Raises:
            NotFoundError: No such user.
        """
        with self.uow() as session:
            return _user_spec(self._user(IdentityRepo(session), name))

    def set_disabled(self, name: str, disabled: bool = True) -> User:
        """Disable (or enable again) an account; a disabled user's tokens stop working."""
        with self.uow(write=True) as session:
            row = self._user(IdentityRepo(session), name)
            row.disabled = disabled
            row.updated_at = self.clock.now()
            logger.info("%s user %s", "disabled" if disabled else "enabled", name)
            return _user_spec(row)

    def me(self, principal: Principal) -> User:
        """The account of the caller (``local`` in embedded mode and with ``--auth none``)."""
        if principal == LOCAL:
            return User(name=LOCAL.name, is_admin=True, created_at=self.clock.now())
        return self.get_user(principal.name)

    @staticmethod
    def _user(repo: IdentityRepo, name: str) -> UserRow:
        row = repo.user(name)
        if row is None:
            raise NotFoundError(f"User '{name}' not found; 'basalt user list' shows the users")
        return row

    # --- tokens -----------------------------------------------------------------------------

    def create_token(self, principal: Principal, body: TokenCreate) -> TokenCreated:
        """Create a personal token for the caller, or a service token for one workspace.

        A service token needs ``workspace`` and is created by an Owner of it or an administrator.

        Raises:
            InvalidArgumentError: A service token without a workspace, or a personal one with one.
            PermissionDeniedError: Not an Owner of the workspace, or a service token asking.
            NotFoundError: No such workspace (or not one the caller may see).
        """
        if principal.is_service:
            raise PermissionDeniedError("A service token cannot create tokens")
        if body.service and not body.workspace:
            raise InvalidArgumentError("A service token needs --workspace (and usually --role)")
        if not body.service and (body.workspace or body.role):
            raise InvalidArgumentError("workspace and role are for service tokens (--service)")
        with self.uow(write=True) as session:
            repo = IdentityRepo(session)
            user = self._user(repo, principal.name)
            workspace_id = None
            if body.service and body.workspace:
                from basalt.services.workspaces import workspace_id as resolve

                workspace_id = resolve(session, body.workspace)
                if not user.is_admin:
                    member = repo.membership(workspace_id, user.id)
                    if member is None:
                        raise NotFoundError(
                            f"Workspace '{body.workspace}' not found; "
                            "'basalt workspace list' shows the ones that exist"
                        )
                    if member.role != Role.OWNER:
                        raise PermissionDeniedError(
                            f"Service tokens of '{body.workspace}' are created by its Owners; "
                            f"you are {member.role}"
                        )
            return self._new_token(repo, user, body, workspace_id)

    def _new_token(
        self, repo: IdentityRepo, user: UserRow, body: TokenCreate, workspace_id: int | None
    ) -> TokenCreated:
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        expires = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
        row = TokenRow(
            public_id="tok_" + secrets.token_hex(8),
            secret_hash=hash_secret(secret),
            prefix=secret[:8],
            name=body.name,
            kind="service" if body.service else "personal",
            user_id=user.id,
            workspace_id=workspace_id,
            role=str(body.role) if body.role else None,
            created_at=now,
            expires_at=expires,
        )
        repo.add(row)
        logger.info("created %s token %s for %s", row.kind, row.public_id, user.name)
        token = self._token_spec(repo, row, user.name)
        return TokenCreated(**token.model_dump(), secret=secret)

    def list_tokens(self, principal: Principal, *, everyone: bool = False) -> list[Token]:
        """The caller's tokens (an administrator may ask for everyone's)."""
        if everyone and not principal.is_admin:
            raise PermissionDeniedError("Only administrators list everyone's tokens")
        with self.uow() as session:
            repo = IdentityRepo(session)
            user_id = None if everyone else self._user(repo, principal.name).id
            out = []
            for row in repo.tokens(user_id):
                owner = repo.user_by_id(row.user_id)
                out.append(self._token_spec(repo, row, owner.name if owner else "?"))
            return out

    def revoke_token(self, principal: Principal, token_id: str) -> Token:
        """Revoke a token: one's own, or any token for an administrator.

        Raises:
            NotFoundError: No such token among those the caller may see.
        """
        with self.uow(write=True) as session:
            repo = IdentityRepo(session)
            row = repo.token(token_id)
            owner = repo.user_by_id(row.user_id) if row else None
            mine = owner is not None and owner.name == principal.name and not principal.is_service
            if row is None or owner is None or not (mine or principal.is_admin):
                raise NotFoundError(
                    f"Token '{token_id}' not found; 'basalt token list' shows yours"
                )
            if row.revoked_at is None:
                row.revoked_at = self.clock.now()
                logger.info("revoked token %s", token_id)
            return self._token_spec(repo, row, owner.name)

    @staticmethod
    def _token_spec(repo: IdentityRepo, row: TokenRow, user: str) -> Token:
        return Token(
            id=row.public_id,
            name=row.name,
            user=user,
            kind=row.kind,
            prefix=row.prefix,
            workspace=repo.workspace_name(row.workspace_id),
            role=Role(row.role) if row.role else None,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked=row.revoked_at is not None,
            last_used_at=row.last_used_at,
        )

    # --- authentication ---------------------------------------------------------------------

    def authenticate_bearer(self, secret: str) -> Principal:
        """The principal a token's secret stands for.

        With OIDC sign-in configured, a token shaped like a JWT is checked by ``services.oidc``
        and stands for the local user its claim names (see ``authenticate_oidc``).

        Raises:
            UnauthenticatedError: Unknown, revoked or expired token, or a disabled user.
        """
        if (
            self.oidc is not None
            and not secret.startswith(SECRET_PREFIX)
            and looks_like_jwt(secret)
        ):
            return self.authenticate_oidc(self.oidc.user_name(secret))
        digest = hash_secret(secret)
        now = self.clock.now()
        with self.uow() as session:
            repo = IdentityRepo(session)
            row = repo.token_by_hash(digest) if secret.startswith(SECRET_PREFIX) else None
            if row is None or not hmac.compare_digest(row.secret_hash, digest):
                raise UnauthenticatedError("Unknown API token; create one with 'basalt login'")
            if row.revoked_at is not None:
                raise UnauthenticatedError(f"API token {row.public_id} was revoked")
            if row.expires_at is not None and row.expires_at <= now:
                raise UnauthenticatedError(
                    f"API token {row.public_id} expired; create a new one with 'basalt login'"
                )
            user = repo.user_by_id(row.user_id)
            if user is None or user.disabled:
                raise UnauthenticatedError("The account of this API token is disabled")
            stale = row.last_used_at is None or (
                (now - row.last_used_at).total_seconds() >= LAST_USED_EVERY_S
            )
            public_id = row.public_id
            service = row.kind == "service"
            principal = Principal(
                name=user.name,
                is_admin=user.is_admin and not service,
                token_id=public_id,
                service_workspace=repo.workspace_name(row.workspace_id) if service else None,
                service_role=Role(row.role) if service and row.role else None,
            )
        if stale:
            with self.uow(write=True) as session:
                fresh = IdentityRepo(session).token(public_id)
                if fresh is not None:
                    fresh.last_used_at = now
        return principal

    def authenticate_oidc(self, name: str) -> Principal:
        """The principal of the local user an identity provider's token named ``name``.

        An unknown user is created on first sign-in when ``server.oidc.auto_create_users`` is
        on (no administrator, no workspace role: an Owner or administrator adds them).

        Raises:
            UnauthenticatedError: The user is disabled, or unknown and not to be created.
        """
        with self.uow() as session:
            row = IdentityRepo(session).user(name)
            found = None if row is None else (row.name, row.is_admin, row.disabled)
        if found is None:
            found = self._create_oidc_user(name)
        user, is_admin, disabled = found
        if disabled:
            raise UnauthenticatedError(
                f"The account '{user}' is disabled; an administrator enables it with "
                f"'basalt user enable {user}'"
            )
        return Principal(name=user, is_admin=is_admin)

    def _create_oidc_user(self, name: str) -> tuple[str, bool, bool]:
        auto = self.oidc is not None and self.oidc.settings.auto_create_users
        if not auto:
            raise UnauthenticatedError(
                f"No Basalt user '{name}' for this OIDC sign-in; ask an administrator to run "
                f"'basalt user create {name}'"
            )
        try:
            with self.uow(write=True) as session:
                repo = IdentityRepo(session)
                row = repo.user(name)
                if row is None:
                    now = self.clock.now()
                    row = UserRow(
                        name=name, is_admin=False, disabled=False, created_at=now, updated_at=now
                    )
                    repo.add(row)
                    logger.info("created user %s on first OIDC sign-in", name)
                return row.name, row.is_admin, row.disabled
        except IntegrityError:
            # NOTE: another request signed the same new user in first; use theirs.
            with self.uow() as session:
                row = IdentityRepo(session).user(name)
                if row is None:
                    raise
                return row.name, row.is_admin, row.disabled

    def authenticate_password(self, user: str, password: str, address: str | None) -> Principal:
        """The principal of a user signing in with a password.

        Raises:
            TooManyRequestsError: Too many recent failures for this account or address.
            UnauthenticatedError: Wrong name or password, or a disabled account.
        """
        keys = [("user", user), ("address", address or "?")]
        self._check_rate(keys)
        with self.uow() as session:
            row = IdentityRepo(session).user(user)
            pw_hash = row.password_hash if row else None
            if pw_hash:
                ok = self._verify(str(pw_hash), password)
            else:
                # NOTE: hash anyway, so an unknown name (or a user without a password) takes
                # as long as a wrong password: the time of the answer does not tell who exists.
                self._dummy_verify(password)
                ok = False
            if row is None or not ok:
                self._fail(keys)
                raise UnauthenticatedError(_BAD_CREDENTIALS)
            if row.disabled:
                raise UnauthenticatedError(f"The account '{user}' is disabled")
            with self._lock:
                self._failures.pop(keys[0], None)
            return Principal(name=row.name, is_admin=row.is_admin)

    def _dummy_verify(self, password: str) -> None:
        """Spend one argon2 verification on a hash of nothing (see ``authenticate_password``)."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        try:
            self._hasher.verify(self._dummy_hash, password)
        except Exception:  # noqa: BLE001, S110 - it never matches; only its cost matters
            pass

    def _verify(self, pw_hash: str, password: str) -> bool:
        """argon2 verification, remembered for a minute (MLflow sends Basic on every request).

        The memo is keyed by the stored hash and the SHA-256 of the password, so a changed
        password is verified afresh; it lives in this process's memory only.
        """
        key = (pw_hash, hash_secret(password))
        now = self.clock.now()
        with self._lock:
            until = self._verified.get(key)
        if until is not None and until > now:
            return True
        try:
            ok = self._hasher.verify(pw_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        with self._lock:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[key] = now + timedelta(seconds=VERIFIED_FOR_S)
        return bool(ok)

    def login(self, body: LoginRequest, address: str | None) -> TokenCreated:
        """Check a password and return a new personal token."""
        principal = self.authenticate_password(body.user, body.password.get_secret_value(), address)
        request = TokenCreate(name=body.token_name, expires_in_days=body.expires_in_days)
        with self.uow(write=True) as session:
            repo = IdentityRepo(session)
            return self._new_token(repo, self._user(repo, principal.name), request, None)

    def ensure_admin(self) -> TokenCreated | None:
        """On a store with no users, create ``admin`` and its token ``initial`` (shown once)."""
        with self.uow(write=True) as session:
            repo = IdentityRepo(session)
            if repo.count_users():
                return None
            now = self.clock.now()
            user = UserRow(
                name="admin", is_admin=True, disabled=False, created_at=now, updated_at=now
            )
            repo.add(user)
            logger.info("created the first administrator, 'admin'")
            return self._new_token(repo, user, TokenCreate(name="initial"), None)

    def _check_rate(self, keys: list[tuple[str, str]]) -> None:
        horizon = self.clock.now() - timedelta(seconds=FAILURE_WINDOW_S)
        with self._lock:
            for key in keys:
                times = self._failures.get(key)
                while times and times[0] <= horizon:
                    times.popleft()
                if times is not None and len(times) >= MAX_FAILURES:
                    raise TooManyRequestsError(
                        f"Too many failed sign-ins for this {key[0]}; "
                        f"wait {int(FAILURE_WINDOW_S // 60)} minutes and try again"
                    )

    def _fail(self, keys: list[tuple[str, str]]) -> None:
        now = self.clock.now()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
