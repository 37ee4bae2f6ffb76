"""Who may call what: every endpoint but the health check takes ``Authorization: Bearer <API key>``."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from pgfactory.errors import AuthenticationError
from pgfactory.service import tokens
from pgfactory.service.service import Service
from pgfactory.store import TokenRecord, TokenRole


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def caller(request: Request) -> TokenRecord:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise AuthenticationError("send Authorization: Bearer <API key> (create one with `pgfactory token create`)")
    return tokens.verify(service_of(request).store, credential)


async def allow(request: Request, role: TokenRole, action: str) -> TokenRecord:
    """The caller's token, when its role allows ``action``."""
    token = await run_in_threadpool(caller, request)
    tokens.require(token.role, role, action=action)
    return token


async def reader(request: Request) -> TokenRecord:
    return await allow(request, TokenRole.READER, "reading")


async def operator(request: Request) -> TokenRecord:
    return await allow(request, TokenRole.OPERATOR, "running, cancelling and testing")


async def contributor(request: Request) -> TokenRecord:
    return await allow(request, TokenRole.CONTRIBUTOR, "changing resources")
