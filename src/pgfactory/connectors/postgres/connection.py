"""Open psycopg connections for a resolved linked service."""

from __future__ import annotations

import psycopg

from pgfactory.connectors.postgres.errors import translate_connection_error
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from pgfactory.identity import token_provider_for
from pgfactory.secrets import Secret


def connection_password(settings: PostgresConnectionSettings) -> Secret | None:
    """The password on the wire: the stored one, or a fresh-enough Entra access token."""
    if settings.entra is None:
        return settings.password
    return token_provider_for(settings.entra).get_token().token


def connect(settings: PostgresConnectionSettings, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection, or a :class:`~pgfactory.errors.ConnectionStageError` naming the failed stage."""
    params = settings.libpq_params(connection_password(settings))
    try:
        return psycopg.connect(autocommit=autocommit, **params)
    except psycopg.Error as error:
        raise translate_connection_error(error) from None
