"""OpenID Connect sign-in: verify an identity provider's JWT and name the user it stands for.

Off unless ``server.oidc.issuer`` is set. A bearer token that is not a Basalt API token
(``bas_...``) and has the shape of a JWT (three dot-separated parts) is checked here: its
signature against the provider's published keys (RS256 or ES256 only), then ``iss``, ``aud``,
``exp`` and ``nbf`` with ``leeway_s`` of clock skew. The keys come from ``jwks_uri`` (or the one
the provider's discovery document names) and are cached; a token signed with a key not in the
cache refetches them once (at most every ``REFETCH_MIN_S``), so a key rotation is picked up
without a restart. Nothing here logs a token.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from basalt._internal.clock import Clock
from basalt.config import OidcSettings
from basalt.errors import InvalidArgumentError, UnauthenticatedError, UnavailableError
from basalt.spec.common import check_name

logger = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "ES256")
"""The signature algorithms accepted (never HS256 or none)."""
DEFAULT_USER_CLAIMS = ("preferred_username", "email", "sub")
REFETCH_MIN_S = 10.0
"""An unknown key refetches the key set at most this often (a flood of made-up keys ids
cannot make the server hammer the provider)."""
KEYS_MAX_AGE_S = 3600.0
"""Cached keys are refetched after this long, so a key the provider withdrew stops working."""
_GET_NEW = "get a new token from your identity provider"


def looks_like_jwt(token: str) -> bool:
    """True for three non-empty dot-separated parts (a JWS in compact form)."""
    parts = token.split(".")
    return len(parts) == 3 and all(parts)


def _fetch_json(url: str, timeout_s: float) -> dict[str, Any]:
    """GET a JSON object with the standard library (services use no HTTP client library).

    Raises:
        UnavailableError: The provider did not answer, or not with a JSON object.
    """
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - configured https URL
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            data = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as exc:
        raise UnavailableError(
            f"The OIDC provider answered HTTP {exc.code} for {url}; check server.oidc.issuer "
            "(and server.oidc.jwks_uri)"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UnavailableError(
            f"Could not fetch {url} from the OIDC provider ({reason}); try again later, or "
            "check server.oidc.issuer"
        ) from None
    if not isinstance(data, dict):
        raise UnavailableError(f"The OIDC provider's {url} is not a JSON object")
    return data


@dataclass
class _KeyCache:
    keys: dict[str, jwt.PyJWK]
    fetched_at: datetime


class OidcVerifier:
    """Checks identity-provider tokens and says which user each names.

    Args:
        settings: ``server.oidc``; its ``issuer`` and ``audience`` must be set.
        clock: Time source of the key cache (token times are checked against the real time).

    Raises:
        InvalidArgumentError: The settings lack the audience, or a URL is not http(s).
    """

    def __init__(self, settings: OidcSettings, clock: Clock) -> None:
        if not settings.issuer:
            raise InvalidArgumentError(
                "server.oidc.issuer is not set", details={"field": "server.oidc.issuer"}
            )
        if not settings.audience:
            raise InvalidArgumentError(
                "OIDC sign-in needs server.oidc.audience (Basalt's client id at the identity "
                "provider) besides server.oidc.issuer; set BASALT_SERVER__OIDC__AUDIENCE",
                details={"field": "server.oidc.audience"},
            )
        for field, url in (("issuer", settings.issuer), ("jwks_uri", settings.jwks_uri)):
            if url is not None and not url.startswith(("https://", "http://")):
                raise InvalidArgumentError(
                    f"server.oidc.{field} must be an http(s) URL, not {url!r}",
                    details={"field": f"server.oidc.{field}"},
                )
        self.settings = settings
        self.issuer: str = settings.issuer
        self.audience: str = settings.audience
        self.clock = clock
        self._jwks_uri = settings.jwks_uri
        self._cache: _KeyCache | None = None
        self._lock = threading.Lock()

    # --- tokens -----------------------------------------------------------------------------

    def user_name(self, token: str) -> str:
        """The local user name a valid token stands for.

        Raises:
            UnauthenticatedError: The token is malformed, from another issuer, signed with an
                unknown key or a bad signature, for another audience, expired or not yet valid,
                or names no user.
            UnavailableError: The provider's keys could not be fetched.
        """
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise UnauthenticatedError(
                "The bearer token is neither a Basalt API token nor a readable OIDC token; "
                f"{_GET_NEW}, or create an API token with 'basalt login'"
            ) from None
        issued_by = unverified.get("iss")
        if issued_by != self.issuer:
            raise UnauthenticatedError(
                f"The OIDC token was issued by {str(issued_by)[:200]!r}, but this server trusts "
                f"only {self.issuer!r}; sign in with that identity provider"
            )
        key = self._key(header.get("kid"))
        claims = self._decode(token, key)
        return self._name_of(claims)

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        # NOTE: only the algorithm of the named key, so a token cannot pick another one for it.
        allowed = [key.algorithm_name] if key.algorithm_name in ALGORITHMS else []
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=allowed,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.settings.leeway_s,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise UnauthenticatedError(f"The OIDC token has expired; {_GET_NEW}") from None
        except jwt.ImmatureSignatureError:
            raise UnauthenticatedError(
                "The OIDC token is not valid yet (nbf or iat in the future); check the clocks "
                "of this server and of the identity provider"
            ) from None
        except jwt.InvalidAudienceError:
            raise UnauthenticatedError(
                f"The OIDC token is not meant for this server: its audience (aud) does not "
                f"include {self.audience!r}; request a token for client {self.audience!r}"
            ) from None
        except jwt.InvalidIssuerError:
            raise UnauthenticatedError(
                f"The OIDC token was not issued by {self.issuer!r}; sign in with that "
                "identity provider"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise UnauthenticatedError(
                f"The OIDC token has no '{exc.claim}' claim; {_GET_NEW}"
            ) from None
        except jwt.InvalidSignatureError:
            raise UnauthenticatedError(
                f"The OIDC token's signature does not match the key of {self.issuer!r} it "
                f"names; {_GET_NEW}"
            ) from None
        except jwt.InvalidAlgorithmError:
            raise UnauthenticatedError(
                f"The OIDC token's algorithm does not match its key's (the server accepts "
                f"{' or '.join(ALGORITHMS)}, as the provider's key says)"
            ) from None
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            raise UnauthenticatedError(
                f"The OIDC token is invalid ({type(exc).__name__}); {_GET_NEW}"
            ) from None
        return claims

    def _name_of(self, claims: dict[str, Any]) -> str:
        wanted = (self.settings.user_claim,) if self.settings.user_claim else DEFAULT_USER_CLAIMS
        for claim in wanted:
            value = claims.get(claim)
            if not isinstance(value, str) or not value.strip():
                continue
            if claim == "email" and claims.get("email_verified") is False:
                raise UnauthenticatedError(
                    "The OIDC token names its user by an email the identity provider has not "
                    "verified; verify it there, or set server.oidc.user_claim to another claim"
                )
            try:
                return check_name(value, field=claim)
            except InvalidArgumentError as exc:
                raise UnauthenticatedError(f"The OIDC token's {exc.message}") from None
        raise UnauthenticatedError(
            f"The OIDC token has no {' or '.join(wanted)} claim to name its user; set "
            "server.oidc.user_claim to a claim the identity provider sends"
        )

    # --- keys -------------------------------------------------------------------------------

    def _key(self, kid: object) -> jwt.PyJWK:
        """The signing key named ``kid``, refetching the key set once if it is not known."""
        with self._lock:
            now = self.clock.now()
            cache = self._cache
            stale = cache is None or now - cache.fetched_at >= timedelta(seconds=KEYS_MAX_AGE_S)
            if stale:
                cache = self._refresh(now)
            assert cache is not None  # noqa: S101 - _refresh always sets it
            found = self._pick(cache, kid)
            if found is None and now - cache.fetched_at >= timedelta(seconds=REFETCH_MIN_S):
                cache = self._refresh(now)
                found = self._pick(cache, kid)
        if found is None:
            if not isinstance(kid, str):
                raise UnauthenticatedError(
                    f"The OIDC token names no signing key (kid) and {self.issuer!r} publishes "
                    f"several; {_GET_NEW}"
                )
            raise UnauthenticatedError(
                f"The OIDC token is signed with key {kid[:100]!r}, which {self.issuer!r} does "
                f"not publish (unknown kid); {_GET_NEW}"
            )
        return found

    @staticmethod
    def _pick(cache: _KeyCache, kid: object) -> jwt.PyJWK | None:
        if isinstance(kid, str):
            return cache.keys.get(kid)
        if kid is None and len(cache.keys) == 1:
            return next(iter(cache.keys.values()))
        return None

    def _refresh(self, now: datetime) -> _KeyCache:
        uri = self._jwks_uri or self._discover()
        data = _fetch_json(uri, self.settings.timeout_s)
        keys: dict[str, jwt.PyJWK] = {}
        for entry in data.get("keys") or []:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            if entry.get("kty") not in ("RSA", "EC"):
                continue
            try:
                key = jwt.PyJWK(entry)
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
                logger.warning("skipped an unusable key %r of %s", entry.get("kid"), uri)
                continue
            keys[str(entry.get("kid") or "")] = key
        logger.info("fetched %d signing keys from %s", len(keys), uri)
        self._cache = _KeyCache(keys=keys, fetched_at=now)
        return self._cache

    def _discover(self) -> str:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        uri = _fetch_json(url, self.settings.timeout_s).get("jwks_uri")
        if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
            raise UnavailableError(
                f"The OIDC discovery document {url} names no jwks_uri; set server.oidc.jwks_uri"
            )
        self._jwks_uri = uri
        return uri


def verifier_from_settings(settings: OidcSettings, clock: Clock) -> OidcVerifier | None:
    """The verifier of ``server.oidc``, or None when OIDC sign-in is off."""
    return OidcVerifier(settings, clock) if settings.enabled else None
