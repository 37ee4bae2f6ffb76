"""Pages and fragments from the Jinja2 templates beside this module; everything rendered is escaped.

Every template sees ``studio`` (the studio's own URL prefix, ``/studio``), ``csrf_token``, ``user``
(who is signed in, when someone is), ``factory`` (the :class:`~pgfactory.studio.factory_page.FactoryPage`
of a factory's pages) and what the page passes. Fragments answering htmx requests use the same call.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pgfactory.studio.session import csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _when(value: datetime | None) -> str:
    """A time as people read it in a table: to the second, UTC said once."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else ""


TEMPLATES.env.filters["pretty_json"] = _pretty_json
TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.autoescape = True  # also for fragments whose names do not end in .html


def studio_root(request: Request) -> str:
    """Where the studio is mounted (``/studio``): every link a page renders starts with it."""
    root: str = request.scope.get("root_path", "")
    return root


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    values = {"studio": studio_root(request), "csrf_token": csrf_token(request),
              "user": getattr(request.state, "user", None), "factory": getattr(request.state, "factory", None),
              **(context or {})}
    response: HTMLResponse = TEMPLATES.TemplateResponse(request, template, values, status_code=status_code, headers=headers)
    return response
