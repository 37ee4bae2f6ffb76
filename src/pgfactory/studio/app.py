"""The studio's ASGI app, mounted by the REST API's app at ``/studio``.

Each hub is a package with one router (``manage``, ``author``, ``monitor``); ``home`` holds the
login page and the factory list. Every router checks the CSRF token of requests that change
something; every page but the login page needs a session. Errors become pages (or, for htmx
requests, fragments) that say what went wrong; a lost session goes back to the login page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from pgfactory.errors import AuthenticationError, AuthorizationError, ConflictError, NotFoundError, PgFactoryError
from pgfactory.service.service import Service
from pgfactory.studio import author, home, manage, monitor
from pgfactory.studio.rendering import is_htmx, render, studio_root
from pgfactory.studio.session import CSRF_COOKIE, ensure_csrf_token, set_cookie

log = logging.getLogger(__name__)
STUDIO_PATH = "/studio"
# Scripts and styles come only from the studio's own files: nothing a page renders can run.
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_STATUS = {NotFoundError: 404, AuthorizationError: 403, ConflictError: 409}


def _error(request: Request, status: int, error: PgFactoryError) -> Response:
    """The error as a page, or as a fragment for htmx to swap in where the answer was expected."""
    return render(request, "_error.html" if is_htmx(request) else "error.html", {"status": status, "error": error},
                  status_code=status)


def create_studio(service: Service) -> FastAPI:
    app = FastAPI(title="pgfactory studio", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (home, manage, monitor, author):
        app.include_router(module.router)

    @app.middleware("http")
    async def page_conventions(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        new_token = ensure_csrf_token(request)
        response = await call_next(request)
        if new_token:
            set_cookie(response, CSRF_COOKIE, request.state.csrf_token, path=studio_root(request) or "/")
        for name, value in _HEADERS.items():
            if name != "Cache-Control" or not request.url.path.startswith(f"{studio_root(request)}/static/"):
                response.headers.setdefault(name, value)
        return response

    @app.exception_handler(AuthenticationError)
    async def sign_in_again(request: Request, error: AuthenticationError) -> Response:
        login = f"{studio_root(request)}/login"
        if request.method == "GET" and not is_htmx(request):
            login += f"?next={quote(request.url.path + ('?' + request.url.query if request.url.query else ''), safe='')}"
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)

    @app.exception_handler(PgFactoryError)
    async def error_page(request: Request, error: PgFactoryError) -> Response:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
        return _error(request, status, error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problem = PgFactoryError(f"the request is not valid: {error.errors()[0].get('msg') if error.errors() else error}",
                                 code="InvalidRequestContent")
        return _error(request, 400, problem)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        problem = PgFactoryError(str(error.detail), code={404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code,
                                                                                                         "BadRequest"))
        return _error(request, error.status_code, problem)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        problem = PgFactoryError("the studio failed to answer; the service log has the details", code="InternalServerError")
        return _error(request, 500, problem)

    return app
