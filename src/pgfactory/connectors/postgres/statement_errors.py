"""Translate a failed statement into an :class:`~pgfactory.errors.ActivityError`, once, at the boundary.

The SQLSTATE decides, through its class (the first two characters), whether the failure is the
user's (a syntax error, a missing table, a constraint) or the system's (out of resources, the
server shutting down), and whether a retry may cure it (a deadlock, a serialization failure, a
dropped connection). The server's own message, detail, hint and position are kept.
"""

from __future__ import annotations

import psycopg

from pgfactory.errors import ActivityError

_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03"})
_TRANSIENT_CLASSES = frozenset({"08", "53"})  # connection exception, insufficient resources
_SYSTEM_CLASSES = frozenset({"53", "57", "58", "XX"})  # resources, operator intervention, system, internal


def statement_error(error: psycopg.Error, *, where: str, code: str, details: dict[str, object] | None = None) -> ActivityError:
    """An ActivityError for ``error`` raised while running ``where`` (e.g. ``scripts[1]``)."""
    sqlstate = error.sqlstate or ""
    diagnostic = error.diag
    primary = diagnostic.message_primary or str(error).strip() or type(error).__name__
    parts = [f"{where} failed" + (f" with SQLSTATE {sqlstate}" if sqlstate else "") + f": {primary}"]
    if diagnostic.message_detail:
        parts.append(f"Detail: {diagnostic.message_detail}")
    if diagnostic.message_hint:
        parts.append(f"Hint: {diagnostic.message_hint}")
    if diagnostic.context:
        parts.append(f"Context: {diagnostic.context.strip()}")
    # No SQLSTATE on an OperationalError: the connection dropped.
    failure_type, transient = failure_kind(sqlstate, connection_lost=isinstance(error, psycopg.OperationalError))
    detail: dict[str, object] = {"sqlstate": sqlstate or None, "where": where, **(details or {})}
    if diagnostic.statement_position:
        detail["position"] = int(diagnostic.statement_position)
    return ActivityError("\n".join(parts), code=code, failure_type=failure_type, details=[detail], transient=transient)


def failure_kind(sqlstate: str | None, *, connection_lost: bool = False) -> tuple[str, bool]:
    """ADF's failureType (``UserError`` or ``SystemError``) and whether a retry may cure it, for a
    statement that failed with ``sqlstate`` (none when ``connection_lost``: the connection dropped)."""
    sqlstate = sqlstate or ""
    lost = connection_lost and not sqlstate
    transient = sqlstate in _TRANSIENT_SQLSTATES or sqlstate[:2] in _TRANSIENT_CLASSES or lost
    system = sqlstate[:2] in _SYSTEM_CLASSES or lost
    return ("SystemError" if system else "UserError"), transient
