"""Who is signed in to the studio, and the CSRF check on every form.

The login page takes an API key (or, on a service configured for them, an Entra access token) and
keeps it in a cookie that scripts cannot read (HttpOnly), that travels only over HTTPS (Secure)
and only with the studio's own requests (SameSite=Strict). Every request checks it exactly as the
REST API checks a bearer token: a revoked key signs its user out at the next click.

Every request that changes something carries a CSRF token: a random value kept in a second
HttpOnly cookie, rendered into each form's hidden field and into the header htmx sends
(double submit). A page on another site can make the browser send the cookies, never the value.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from pgfactory.errors import AuthenticationError, AuthorizationError
from pgfactory.service import tokens
from pgfactory.service.service import Principal, Service
from pgfactory.store import TokenRole

SESSION_COOKIE = "pgfactory_session"
CSRF_COOKIE = "pgfactory_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (a new one, set as a cookie with the response, on its first visit)."""
    token: str = request.state.csrf_token
    return token


def ensure_csrf_token(request: Request) -> bool:
    """Give the request its CSRF token; True when it is new and the response must set the cookie."""
    existing = request.cookies.get(CSRF_COOKIE)
    request.state.csrf_token = existing or secrets.token_urlsafe(32)
    return existing is None


def set_cookie(response: Response, name: str, value: str, *, path: str) -> None:
    response.set_cookie(name, value, path=path, secure=True, httponly=True, samesite="strict")


async def check_csrf(request: Request) -> None:
    """Refuse a request that changes something unless it carries this browser's CSRF token."""
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    expected = request.cookies.get(CSRF_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise AuthorizationError("the form's security token is missing or out of date: reload the page and try again",
                                 code="CsrfTokenInvalid")


async def signed_in(request: Request) -> Principal:
    """Who the session cookie speaks for, checked as a bearer token is (:class:`AuthenticationError` sends the
    browser to the login page)."""
    credential = request.cookies.get(SESSION_COOKIE)
    if not credential:
        raise AuthenticationError("sign in with an API key")
    principal = await run_in_threadpool(service_of(request).authenticate, credential)
    request.state.user = principal
    return principal


def require(principal: Principal, role: TokenRole, action: str) -> None:
    """:class:`AuthorizationError` unless ``principal``'s role allows ``action``."""
    tokens.require(principal.role, role, action=action)


User = Annotated[Principal, Depends(signed_in)]
