"""One error hierarchy for pgfactory, with ADF-style error codes.

    PgFactoryError                      every error pgfactory raises on purpose
     +-- DefinitionError                a resource definition is wrong (file, resource, property)
     |    +-- ExpressionError           an expression cannot be parsed or evaluated (with position)
     +-- ActivityError                  an activity run failed (ADF's errorCode, failureType, target)
     +-- SecretError                    a secret cannot be resolved
     +-- IdentityError                  an Entra token cannot be had
     +-- AzureManagementError           Azure Resource Manager cannot be asked (studio's Azure account lists)
     +-- ConnectionStageError           connecting failed at one named stage
     +-- EmbeddedPostgresError          the local PostgreSQL server cannot be started
     +-- PreconditionFailedError        a write's If-Match does not match the stored etag
     +-- ConflictError                  a write would duplicate something that must be unique

Errors carry data (``code``, ``file``, ``resource``, ``property_path``, ``sqlstate``) so that
callers branch on types and fields, never on message text. ``transient`` marks errors that a
retry may cure (a timeout, a dropped connection) as opposed to ones that need a change of input.
Messages never hold secret values: whoever builds one passes names, not values.
"""

from __future__ import annotations

from pathlib import Path


class PgFactoryError(Exception):
    """Base of every error pgfactory raises on purpose."""

    code = "PgFactoryError"
    transient = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        return {"errorCode": self.code, "message": self.message}


class DefinitionError(PgFactoryError):
    """A resource definition is malformed or breaks a rule; names where it is."""

    code = "UserErrorInvalidDefinition"

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        resource: str | None = None,
        property_path: str | None = None,
        code: str | None = None,
    ) -> None:
        self.detail = message
        self.file = str(file) if file is not None else None
        self.resource = resource
        self.property_path = property_path
        located = ": ".join(p for p in (self.file, resource, property_path) if p)
        super().__init__(f"{located}: {message}" if located else message, code=code)

    def to_dict(self) -> dict[str, object]:
        return {
            "errorCode": self.code,
            "message": self.message,
            "file": self.file,
            "resource": self.resource,
            "property": self.property_path,
        }


class ExpressionError(DefinitionError):
    """An expression that does not parse or cannot be evaluated.

    ``position`` is the 0-based offset into ``expression`` (the text of the whole property value)
    where the problem is, when known.
    """

    code = "InvalidTemplate"

    def __init__(
        self,
        message: str,
        *,
        expression: str | None = None,
        position: int | None = None,
        file: Path | str | None = None,
        resource: str | None = None,
        property_path: str | None = None,
        code: str | None = None,
    ) -> None:
        self.expression = expression
        self.position = position
        super().__init__(message, file=file, resource=resource, property_path=property_path, code=code)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "expression": self.expression, "position": self.position}


class ActivityError(PgFactoryError):
    """An activity run failed; carries what ADF puts in the activity run's ``error``.

    ``failure_type`` is ADF's ``UserError`` (the input must change) or ``SystemError``;
    ``transient`` marks failures a retry may cure.
    """

    code = "ActivityFailed"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        failure_type: str = "UserError",
        details: list[dict[str, object]] | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.failure_type = failure_type
        self.details = details or []
        self.transient = transient

    def to_dict(self) -> dict[str, object]:
        return {"errorCode": self.code, "message": self.message, "failureType": self.failure_type,
                "details": self.details}


class SecretError(PgFactoryError):
    """A secret cannot be resolved or opened; ``transient`` when its source (a vault) may recover."""

    code = "UserErrorSecretUnavailable"

    def __init__(self, message: str, *, code: str | None = None, transient: bool = False) -> None:
        super().__init__(message, code=code)
        self.transient = transient


class IdentityError(PgFactoryError):
    """An Entra token could not be acquired; ``transient`` when the endpoint may recover."""

    code = "UserErrorEntraTokenFailed"

    def __init__(self, message: str, *, code: str | None = None, transient: bool = False) -> None:
        super().__init__(message, code=code)
        self.transient = transient


class AzureManagementError(PgFactoryError):
    """Azure Resource Manager could not be asked (no credentials configured, no token, a refused or failed call);
    ``transient`` when it may answer later."""

    code = "AzureManagementRequestFailed"

    def __init__(self, message: str, *, code: str | None = None, transient: bool = False) -> None:
        super().__init__(message, code=code)
        self.transient = transient


class ConnectionStageError(PgFactoryError):
    """Connecting to PostgreSQL failed at ``stage``; ``hint`` says what to change."""

    code = "UserErrorPostgreSqlConnectionFailed"

    def __init__(
        self,
        stage: str,
        message: str,
        *,
        hint: str = "",
        code: str | None = None,
        sqlstate: str | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.stage = stage
        self.hint = hint
        self.sqlstate = sqlstate
        self.transient = transient

    def to_dict(self) -> dict[str, object]:
        return {
            "errorCode": self.code,
            "message": self.message,
            "stage": self.stage,
            "hint": self.hint,
            "sqlstate": self.sqlstate,
        }


class EmbeddedPostgresError(PgFactoryError):
    code = "EmbeddedPostgresFailed"


class PreconditionFailedError(PgFactoryError):
    """A conditional write (HTTP ``If-Match``) found the resource missing or at another etag: HTTP 412."""

    code = "PreconditionFailed"


class ConflictError(PgFactoryError):
    """A write would duplicate a name that must be unique (an API token's, say): HTTP 409."""

    code = "Conflict"


class NotFoundError(PgFactoryError):
    """The resource, run or collection a request names does not exist: HTTP 404."""

    code = "NotFound"


class QueueFullError(PgFactoryError):
    """createRun found the run queue at its limit: HTTP 429, try again later."""

    code = "TooManyRequests"
    transient = True


class AuthenticationError(PgFactoryError):
    """A request without a valid bearer token: HTTP 401."""

    code = "AuthenticationFailed"


class AuthorizationError(PgFactoryError):
    """A valid token whose role does not allow the operation: HTTP 403."""

    code = "AuthorizationFailed"
