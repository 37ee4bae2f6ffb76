"""Who may call what: every endpoint but the health check takes ``Authorization: Bearer <token>``.

The token is a pgfactory API key (``pgf_...``) or, when the service was given an Entra issuer and
audience, an Entra access token (a JWT); the two are told apart by shape.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from pgfactory.errors import AuthenticationError
from pgfactory.service import tokens
from pgfactory.service.service import Principal, Service
from pgfactory.store import TokenRole


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def caller(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise AuthenticationError("send Authorization: Bearer <API key> (create one with `pgfactory token create`)")
    return service_of(request).authenticate(credential)


async def allow(request: Request, role: TokenRole, action: str) -> Principal:
    """The caller, when its role allows ``action``."""
    principal = await run_in_threadpool(caller, request)
    tokens.require(principal.role, role, action=action)
    return principal


async def reader(request: Request) -> Principal:
    return await allow(request, TokenRole.READER, "reading")


async def operator(request: Request) -> Principal:
    return await allow(request, TokenRole.OPERATOR, "running, cancelling and testing")


async def contributor(request: Request) -> Principal:
    return await allow(request, TokenRole.CONTRIBUTOR, "changing resources")


# What a route takes to say who may call it.
Caller = Annotated[Principal, Depends(reader)]
Runner = Annotated[Principal, Depends(operator)]
Writer = Annotated[Principal, Depends(contributor)]
