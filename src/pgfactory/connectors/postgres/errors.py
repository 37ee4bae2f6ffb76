"""Translate psycopg's connection failures into staged, fixable errors, once, at the boundary.

libpq reports no SQLSTATE for a failed startup, only the server's message, so the server's
primary message texts (stable across versions, English as servers send them by default) are
matched through this one table. Everything past startup carries a real SQLSTATE.
"""

from __future__ import annotations

import re

import psycopg

from pgfactory.errors import ConnectionStageError

# (pattern in the libpq message, stage, SQLSTATE, error code, hint)
_STARTUP_FAILURES: tuple[tuple[str, str, str | None, str, str], ...] = (
    (r'password authentication failed for user "(?P<user>[^"]*)"', "authentication", "28P01",
     "UserErrorPostgreSqlAuthenticationFailed",
     "check the username and password (for Entra authentication: that the role exists for this identity)"),
    (r'role "(?P<user>[^"]*)" does not exist', "authentication", "28000", "UserErrorPostgreSqlAuthenticationFailed",
     "create the role on the server or correct 'username'"),
    (r"no pg_hba\.conf entry for host (?P<detail>.*)", "authentication", "28000", "UserErrorPostgreSqlAccessDenied",
     "the server does not accept this client address/user/encryption combination: allow it in pg_hba.conf or the "
     "server firewall, or raise sslMode if the server only accepts encrypted connections"),
    (r"pg_hba\.conf rejects connection", "authentication", "28000", "UserErrorPostgreSqlAccessDenied",
     "the server's pg_hba.conf rejects this connection explicitly"),
    (r'database "(?P<database>[^"]*)" does not exist', "database", "3D000", "UserErrorPostgreSqlDatabaseNotFound",
     "correct 'database' or create the database on the server"),
    (r"permission denied for database", "database", "42501", "UserErrorPostgreSqlDatabasePermissionDenied",
     "grant CONNECT on the database to this role"),
    (r"server does not support SSL, but SSL was required", "tls", None, "UserErrorPostgreSqlTlsUnavailable",
     "the server has TLS off: enable ssl on the server, or lower sslMode (0-2) if plain connections are acceptable"),
    (r"certificate verify failed", "tls", None, "UserErrorPostgreSqlCertificateUntrusted",
     "the server's certificate is not signed by a trusted CA: put its root CA in PGSSLROOTCERT or "
     "~/.postgresql/root.crt, or set trustServerCertificate (not recommended)"),
    (r"server certificate for .* does not match host name", "tls", None, "UserErrorPostgreSqlCertificateNameMismatch",
     "connect with the host name the certificate was issued for, or use sslMode 4 (VerifyCA)"),
    (r"timeout expired", "tcp", None, "UserErrorPostgreSqlConnectionTimeout",
     "the server did not answer within connectionTimeout: check firewalls, private endpoints and the port"),
    (r"Connection refused", "tcp", None, "UserErrorPostgreSqlConnectionRefused",
     "nothing listens on that host and port: check 'server' and 'port' and that the server is running"),
    (r"could not translate host name", "dns", None, "UserErrorPostgreSqlHostNotFound",
     "the server name does not resolve: check 'server' for typos and DNS (private endpoints need private DNS)"),
    (r"too many connections|remaining connection slots are reserved", "authentication", "53300",
     "UserErrorPostgreSqlTooManyConnections", "the server is at max_connections; retry later or raise the limit"),
    (r"the database system is (starting up|shutting down|in recovery mode)", "authentication", "57P03",
     "PostgreSqlServerUnavailable", "the server is not accepting connections yet; retry shortly"),
)

_TRANSIENT_CODES = {"UserErrorPostgreSqlConnectionTimeout", "PostgreSqlServerUnavailable",
                    "UserErrorPostgreSqlTooManyConnections"}


def translate_connection_error(error: psycopg.Error) -> ConnectionStageError:
    """The stage, SQLSTATE and hint for a failed ``psycopg.connect``."""
    text = str(error)
    # The first line names host/port/libpq context; the server message follows "FATAL:".
    server_message = text.split("FATAL:", 1)[-1].strip() if "FATAL:" in text else text.strip()
    server_message = server_message.split("\n")[0].strip()
    for pattern, stage, sqlstate, code, hint in _STARTUP_FAILURES:
        if re.search(pattern, text):
            return ConnectionStageError(stage, server_message, hint=hint, code=code,
                                        sqlstate=sqlstate or error.sqlstate, transient=code in _TRANSIENT_CODES)
    return ConnectionStageError(
        "authentication", server_message, hint="see the server log for details", sqlstate=error.sqlstate,
        transient=isinstance(error, psycopg.OperationalError),
    )
