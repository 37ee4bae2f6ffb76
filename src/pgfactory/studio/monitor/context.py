"""What every Monitor route asks of a request: a whole page or an htmx fragment, and what the user may do."""

from __future__ import annotations

import json

from fastapi import Request

from pgfactory.service import tokens
from pgfactory.service.service import Principal
from pgfactory.store import TokenRole
from pgfactory.studio.factory_page import FactoryPage
from pgfactory.studio.rendering import is_htmx

# The event a cancel answers with: the run list and the run page listen for it and refresh at once.
RUNS_CHANGED = json.dumps({"runs-changed": {"target": "body"}})
# htmx stops polling an element whose answer has this status (the run, or every listed run, has ended).
STOP_POLLING = 286


def wants_fragment(request: Request) -> bool:
    """An htmx request for a part of the page; not htmx restoring a page of the history, which needs all of it."""
    return is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"


def can_run(user: Principal) -> bool:
    """Whether ``user`` may cancel and rerun (operators and contributors): readers see no such buttons."""
    return tokens.RANK[user.role] >= tokens.RANK[TokenRole.OPERATOR]


def monitor_page(factory: FactoryPage, target: str) -> str | None:
    """``target`` when it is a Monitor page of this factory (where a form goes back to); None otherwise."""
    root = factory.url("monitor") + "/"
    return target if target.startswith(root) and "\\" not in target and "//" not in target else None
