"""The management REST API: ADF's resource paths (api-version 2018-06-01) over the service, and the studio
(web pages over the same service) mounted at ``/studio``.

ARM matches paths without case; the routes are declared in the casing the official client
sends, and :func:`canonical_path` brings any other casing to it before routing. Every answer
that is not a success carries ARM's error envelope ``{"error": {"code", "message", "target"}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pgfactory.api import routes_factories, routes_resources, routes_runs
from pgfactory.api.document import Health, answers
from pgfactory.api.shapes import API_VERSION, arm_error
from pgfactory.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    DefinitionError,
    NotFoundError,
    PgFactoryError,
    PreconditionFailedError,
    QueueFullError,
)
from pgfactory.service.service import Service
from pgfactory.studio.app import STUDIO_PATH, create_studio

log = logging.getLogger(__name__)
HEALTH_PATH = "/health"
QUEUE_RETRY_SECONDS = 5
_STATUS = {NotFoundError: 404, PreconditionFailedError: 412, ConflictError: 409, AuthenticationError: 401,
           AuthorizationError: 403, QueueFullError: 429, DefinitionError: 400}
# The fixed segments of ADF's paths in the client's casing, looked up lowered.
_SEGMENTS = {segment.lower(): segment for segment in (
    "subscriptions", "resourceGroups", "providers", "Microsoft.DataFactory", "factories", "linkedservices", "datasets",
    "pipelines", "triggers", "credentials", "integrationRuntimes", "createRun", "pipelineruns", "cancel",
    "queryPipelineRuns", "queryActivityruns", "testConnection")}


def create_app(service: Service) -> FastAPI:
    app = FastAPI(title="pgfactory management API", version=API_VERSION,
                  description="Azure Data Factory's management REST API (api-version 2018-06-01), served by pgfactory.")
    app.state.service = service
    for module in (routes_factories, routes_runs, routes_resources):  # runs before the generic {collection} routes
        app.include_router(module.router)
    app.mount(STUDIO_PATH, create_studio(service))

    @app.get(HEALTH_PATH, tags=["service"], response_model=None, responses=answers(Health))
    def health() -> dict[str, Any]:
        return {"status": "ok", "running": len(service.worker.running)}

    @app.middleware("http")
    async def arm_conventions(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if _in_studio(request.scope["path"]):  # the studio's pages are not ADF's paths
            return await call_next(request)
        request.scope["path"] = canonical_path(request.scope["path"])
        if request.scope["path"] not in (HEALTH_PATH, "/openapi.json", "/docs", "/docs/oauth2-redirect"):
            version = request.query_params.get("api-version")
            if version is None:
                return _error(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
            if version != API_VERSION:
                return _error(400, "InvalidApiVersionParameter",
                              f"The api-version '{version}' is not supported; this service speaks {API_VERSION}.")
        return await call_next(request)

    @app.exception_handler(PgFactoryError)
    async def pgfactory_error(request: Request, error: PgFactoryError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
        target = error.property_path if isinstance(error, DefinitionError) else None
        headers = {"Retry-After": str(QUEUE_RETRY_SECONDS)} if status == 429 else None
        if status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="pgfactory"'}
        message = error.detail if isinstance(error, DefinitionError) else error.message
        return _error(status, error.code, message, target, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        # A body that is not JSON has no property to name.
        target = None if first.get("type") == "json_invalid" else property_path(first.get("loc", ()))
        return _error(400, "InvalidRequestContent", f"The request content is not valid: {first.get('msg', error)}", target)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # FastAPI answers 400 itself only for a body it could not read.
        code = {400: "InvalidRequestContent", 404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "BadRequest")
        return _error(error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "InternalServerError", "pgfactory failed to answer; the service log has the details.")

    return app


def _in_studio(path: str) -> bool:
    return path == STUDIO_PATH or path.startswith(f"{STUDIO_PATH}/")


def canonical_path(path: str) -> str:
    """``path`` with ADF's fixed segments in the casing the routes use; names are left as they are."""
    parts = path.split("/")
    for index, part in enumerate(parts):
        # A segment after one of these is a name (a factory called "pipelines" stays as it is).
        if index > 0 and parts[index - 1].lower() in _NAME_BEFORE:
            continue
        parts[index] = _SEGMENTS.get(part.lower(), part)
    return "/".join(parts)


def property_path(location: Sequence[int | str]) -> str:
    """A validation error's location as the service's own errors name properties: ``filters[0].operand``.

    The first part says where the value was (body, query, header, path) and is left out.
    """
    path = ""
    for part in location[1:]:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


_NAME_BEFORE = {"subscriptions", "resourcegroups", "factories", "linkedservices", "datasets", "pipelines", "triggers",
                "credentials", "integrationruntimes", "pipelineruns"}


def _error(status: int, code: str, message: str, target: str | None = None, *,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(arm_error(code, message, target), status_code=status, headers=headers)
