"""Entra ID access tokens as bearer tokens, when the service is given an issuer and an audience.

A token is accepted when it is an RS256 JWT whose signature verifies against one of the keys the
issuer publishes at the ``jwks_uri`` of its OpenID configuration
(``<issuer>/.well-known/openid-configuration``), whose ``iss`` is the configured issuer and
``aud`` the configured audience, whose ``exp`` and ``nbf`` hold (with a little leeway for clock
skew), and whose ``tid``, when it has one, is the issuer's tenant.

Its role comes from the ``roles`` claim, which carries the app roles assigned to the caller in
the API's app registration: ``reader``, ``operator`` or ``contributor``, in any case, bare or as
``pgfactory.<role>`` (app role values are tenant-wide names, so a prefix keeps them apart from
other apps' roles). When several are given the highest wins; a token with none of them gets 403.

Signing keys are fetched with PyJWT's :class:`jwt.PyJWKClient`: the key set is kept for an hour
and fetched again as soon as a token names a key id (``kid``) it does not hold, at most once per
cooldown, so a rotated key is accepted at once while a stream of made-up key ids does not become
a stream of requests to Entra. The OpenID configuration is read on the first token, not at
start, so API keys keep working while the issuer is unreachable.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import ssl
import threading
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

import jwt

from pgfactory.errors import AuthenticationError, AuthorizationError
from pgfactory.service.tokens import RANK
from pgfactory.store import TokenRole

log = logging.getLogger(__name__)
ALGORITHMS = ["RS256"]  # what Entra signs access tokens with
ROLE_PREFIX = "pgfactory."
KEY_SET_LIFESPAN_SECONDS = 3600
FETCH_TIMEOUT_SECONDS = 10
# Three base64url parts; the last (the signature) is empty in an unsigned token, refused later with a reason.
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class EntraTokenSettings:
    """Which Entra tokens the service accepts."""

    issuer: str  # the tokens' ``iss``: https://login.microsoftonline.com/<tenant id>/v2.0 for v2.0 tokens
    audience: str  # their ``aud``: the API app registration's application (client) id or App ID URI
    leeway_seconds: float = 60  # clock skew allowed on exp and nbf
    key_refresh_cooldown_seconds: float = 30  # least time between key set fetches caused by an unknown kid

    @property
    def tenant(self) -> str | None:
        """The issuer's tenant: the first segment of its path, where every Entra issuer names it."""
        segments = [segment for segment in urlsplit(self.issuer).path.split("/") if segment]
        return segments[0] if segments else None


@dataclass(frozen=True)
class EntraCaller:
    """Who an accepted Entra token speaks for."""

    name: str  # for messages and logs: the user's sign-in name, else the calling application's id
    object_id: str  # ``oid``, else ``sub``
    tenant: str | None
    role: TokenRole


def looks_like_jwt(credential: str) -> bool:
    return _JWT_SHAPE.fullmatch(credential) is not None


def trust_store() -> ssl.SSLContext:
    """The CAs the issuer's certificate is checked against: ``REQUESTS_CA_BUNDLE`` when set (what
    azure-identity, through requests, trusts too), else the system's, where OpenSSL itself honours
    ``SSL_CERT_FILE``."""
    return ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE") or None)


class EntraTokenVerifier:
    """Checks Entra tokens against one issuer and audience; thread-safe."""

    def __init__(self, settings: EntraTokenSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._keys: jwt.PyJWKClient | None = None

    def verify(self, token: str) -> EntraCaller:
        """The caller ``token`` speaks for; :class:`AuthenticationError` saying what failed, or
        :class:`AuthorizationError` when it carries no pgfactory role."""
        settings = self.settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthenticationError("the bearer token is not a well-formed JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise AuthenticationError(f"the Entra token is signed with {header.get('alg')!r}; only RS256 is accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("the Entra token names no signing key (kid)")
        keys = self._key_client()
        try:
            signing_key = keys.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            log.warning("Entra signing keys could not be fetched from %s: %s", keys.uri, error)
            raise AuthenticationError(f"the issuer's signing keys could not be fetched from {keys.uri}") from None
        except (jwt.PyJWKClientError, jwt.PyJWKSetError):
            raise AuthenticationError(f"the Entra token is signed with key {kid!r}, which the issuer does not publish "
                                      f"at {keys.uri}") from None
        try:
            claims: dict[str, Any] = jwt.decode(token, signing_key, algorithms=ALGORITHMS, audience=settings.audience,
                                                issuer=settings.issuer, leeway=settings.leeway_seconds,
                                                options={"require": ["exp", "iss", "aud"]})
        except jwt.InvalidTokenError as error:
            raise AuthenticationError(self._reason(error, token, kid)) from None
        tid = claims.get("tid")
        if tid and settings.tenant and str(tid).lower() != settings.tenant.lower():
            raise AuthenticationError(f"the Entra token belongs to tenant {tid}, not the issuer's tenant {settings.tenant}")
        name = next((str(claims[claim]) for claim in ("preferred_username", "upn", "azp", "appid", "oid", "sub")
                     if claims.get(claim)), "an unnamed caller")
        return EntraCaller(name=name, object_id=str(claims.get("oid") or claims.get("sub") or ""),
                           tenant=str(tid) if tid else None, role=role_of(claims, name))

    def _reason(self, error: jwt.InvalidTokenError, token: str, kid: str) -> str:
        """What ``error`` means, in words. Claim errors come after the signature verified, so the claims quoted are Entra's."""
        if isinstance(error, jwt.InvalidSignatureError):
            return f"the Entra token's signature does not verify with the issuer's key {kid!r}"
        if isinstance(error, jwt.MissingRequiredClaimError):
            return f"the Entra token has no {error.claim!r} claim"
        if isinstance(error, jwt.DecodeError):  # a payload that is not JSON, a claim of the wrong type
            return f"the Entra token is malformed: {error}"
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        if isinstance(error, jwt.ExpiredSignatureError):
            return f"the Entra token expired at {_time(claims.get('exp'))}"
        if isinstance(error, jwt.ImmatureSignatureError):
            return f"the Entra token is not valid before {_time(claims.get('nbf', claims.get('iat')))}"
        if isinstance(error, jwt.InvalidAudienceError):
            return f"the Entra token is for audience {claims.get('aud')!r}, not this service's {self.settings.audience!r}"
        if isinstance(error, jwt.InvalidIssuerError):
            return f"the Entra token was issued by {claims.get('iss')!r}, not the configured issuer {self.settings.issuer!r}"
        return f"the Entra token was refused: {error}"

    def _key_client(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._keys is None:
                context = trust_store()
                self._keys = jwt.PyJWKClient(self._discover_jwks_uri(context), lifespan=KEY_SET_LIFESPAN_SECONDS,
                                             timeout=FETCH_TIMEOUT_SECONDS, ssl_context=context,
                                             cooldown_duration=self.settings.key_refresh_cooldown_seconds)
            return self._keys

    def _discover_jwks_uri(self, context: ssl.SSLContext) -> str:
        issuer = self.settings.issuer.rstrip("/")
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS, context=context) as answer:
                document = json.load(answer)
        except (URLError, TimeoutError, http.client.HTTPException, ValueError) as error:
            log.warning("the OpenID configuration of Entra issuer %s could not be read: %s", issuer, error)
            raise AuthenticationError(f"Entra tokens cannot be checked now: the issuer's OpenID configuration at {url} "
                                      "could not be read") from None
        jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
        if not isinstance(jwks_uri, str):
            raise AuthenticationError(f"the OpenID configuration at {url} names no jwks_uri")
        named = str(document.get("issuer", "")).rstrip("/")
        if named != issuer:
            log.error("Entra issuer %s publishes an OpenID configuration for issuer %s", issuer, named)
            raise AuthenticationError(f"the OpenID configuration at {url} is for issuer {named!r}, not the configured "
                                      f"{self.settings.issuer!r}: give serve that issuer")
        return jwks_uri


def role_of(claims: dict[str, Any], name: str) -> TokenRole:
    """The highest pgfactory role in the ``roles`` claim; :class:`AuthorizationError` when there is none."""
    given = claims.get("roles")
    values = [given] if isinstance(given, str) else [value for value in given if isinstance(value, str)] \
        if isinstance(given, list) else []
    roles = [role for role in TokenRole for value in values if value.lower().removeprefix(ROLE_PREFIX) == role.value]
    if not roles:
        listed = ", ".join(repr(value) for value in values) or "none"
        raise AuthorizationError(f"the Entra token of {name} carries no pgfactory app role (its roles: {listed}); "
                                 "assign it reader, operator or contributor (or pgfactory.reader, ...) in the API's "
                                 "app registration")
    return max(roles, key=RANK.__getitem__)


def _time(value: Any) -> str:
    try:
        return datetime.fromtimestamp(float(value), UTC).isoformat().replace("+00:00", "Z")
    except (TypeError, ValueError, OverflowError):
        return repr(value)
