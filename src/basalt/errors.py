"""The one error tree of Basalt: stable codes, HTTP statuses, and the wire envelope.

Server, SDK, CLI and tests share these classes. The HTTP client rebuilds the same class from
the envelope's ``code``, so ``except NotFoundError`` works the same in both transports.
"""

from __future__ import annotations

from typing import Any, ClassVar

_REGISTRY: dict[str, type[BasaltError]] = {}


class BasaltError(Exception):
    """Base of every error Basalt raises on purpose.

    Args:
        message: One sentence a person can act on: what is wrong and what to do.
        details: Machine-readable context (for example ``{"field": "key"}``).
    """

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.code] = cls

    def to_envelope(self, request_id: str | None = None) -> dict[str, Any]:
        """Return the JSON error envelope for this error."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "details": self.details}
        if request_id:
            body["request_id"] = request_id
        return {"error": body}

    @staticmethod
    def from_envelope(payload: dict[str, Any], http_status: int | None = None) -> BasaltError:
        """Rebuild the error a server sent; unknown codes keep their code on a plain BasaltError."""
        err = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(err, dict):
            return InternalError(f"Server answered {http_status} without an error envelope")
        code = str(err.get("code", "internal"))
        message = str(err.get("message", ""))
        details = err.get("details") if isinstance(err.get("details"), dict) else {}
        cls = _REGISTRY.get(code)
        if cls is None:
            unknown = BasaltError(message, details=details)
            unknown.code = code  # type: ignore[misc]
            return unknown
        return cls(message, details=details)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidArgumentError(BasaltError):
    """A bad name, value, spec or filter; ``details['field']`` names the field."""

    code = "invalid_argument"
    http_status = 400


class UnauthenticatedError(BasaltError):
    """Missing or bad credentials."""

    code = "unauthenticated"
    http_status = 401


class PermissionDeniedError(BasaltError):
    """The caller's role does not allow the action."""

    code = "permission_denied"
    http_status = 403


class NotFoundError(BasaltError):
    """An unknown workspace, experiment, run, asset ...; the message names kind and name."""

    code = "not_found"
    http_status = 404


class AlreadyExistsError(BasaltError):
    """A unique name is already taken."""

    code = "already_exists"
    http_status = 409


class ConflictError(BasaltError):
    """An illegal state transition or a concurrent update."""

    code = "conflict"
    http_status = 409


class UnavailableError(BasaltError):
    """The store is busy or a dependency is down; the only error the client retries."""

    code = "unavailable"
    http_status = 503


class InternalError(BasaltError):
    """A bug: any exception that is not a BasaltError."""

    code = "internal"
    http_status = 500


class IncompatibleServerError(BasaltError):
    """The server's API version is older than this client needs."""

    code = "incompatible_server"
    http_status = 500


class UserCodeError(BasaltError):
    """The user's own code failed; recorded on the run with its traceback."""

    code = "user_code"
    http_status = 500


def invalid(field: str, message: str) -> InvalidArgumentError:
    """Build an InvalidArgumentError that names ``field`` in its details."""
    return InvalidArgumentError(message, details={"field": field})


class TooManyRequestsError(BasaltError):
    """Too many attempts (failed logins); wait and try again."""

    code = "too_many_requests"
    http_status = 429
