"""Each sslMode against real servers: TLS with pg_hba accepting both, TLS only, and TLS off."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgfactory.connectors.postgres.connection import connect
from pgfactory.connectors.postgres.settings import resolve_connection_settings
from pgfactory.errors import ConnectionStageError
from pgfactory.models.azure_postgresql import SslMode
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer


@pytest.fixture(autouse=True)
def no_trusted_roots(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Start each test trusting nothing: no PGSSLROOTCERT and no ~/.postgresql/root.crt."""
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


def _connect(server: RunningServer, ssl_mode: int, *, host: str = "127.0.0.1", **extra: object) -> psycopg.Connection:
    password = server.create_role("ssl_tester", "ssl-tester-password")
    linked_service = basic_auth(host, server.port, "ssl_tester", password, ssl_mode=ssl_mode, **extra)
    return connect(resolve_connection_settings(linked_service))


def _encrypted(connection: psycopg.Connection) -> bool:
    with connection:
        row = connection.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row is not None
    return bool(row[0])


def test_ssl_modes_map_to_libpq_names() -> None:
    assert [mode.libpq_name for mode in SslMode] == [
        "disable", "allow", "prefer", "require", "verify-ca", "verify-full"
    ]


def test_disable_connects_in_plain_text_where_pg_hba_allows_it(pg_tls: RunningServer) -> None:
    assert _encrypted(_connect(pg_tls, 0)) is False


def test_disable_is_refused_where_pg_hba_requires_tls(pg_tls_only: RunningServer) -> None:
    with pytest.raises(ConnectionStageError) as caught:
        _connect(pg_tls_only, 0)
    assert caught.value.stage == "authentication"
    assert caught.value.code == "UserErrorPostgreSqlAccessDenied"
    assert "no encryption" in caught.value.message


def test_allow_prefers_plain_text_when_the_server_accepts_it(pg_tls: RunningServer) -> None:
    assert _encrypted(_connect(pg_tls, 1)) is False


def test_allow_falls_back_to_tls_when_the_server_insists(pg_tls_only: RunningServer) -> None:
    assert _encrypted(_connect(pg_tls_only, 1)) is True


def test_prefer_encrypts_when_the_server_offers_tls(pg_tls: RunningServer) -> None:
    assert _encrypted(_connect(pg_tls, 2)) is True


def test_prefer_is_the_default(pg_tls: RunningServer) -> None:
    linked_service = basic_auth("127.0.0.1", pg_tls.port, "u", "p")
    del linked_service.properties.type_properties["sslMode"]
    assert resolve_connection_settings(linked_service).ssl_mode is SslMode.PREFER


def test_prefer_connects_in_plain_text_to_a_server_without_tls(pg_plain: RunningServer) -> None:
    assert _encrypted(_connect(pg_plain, 2)) is False


def test_require_encrypts_without_verifying_the_certificate(pg_tls: RunningServer) -> None:
    # The server's certificate comes from the test CA, which nothing here trusts.
    assert _encrypted(_connect(pg_tls, 3)) is True


def test_require_fails_against_a_server_without_tls(pg_plain: RunningServer) -> None:
    with pytest.raises(ConnectionStageError) as caught:
        _connect(pg_plain, 3)
    assert caught.value.stage == "tls"
    assert caught.value.code == "UserErrorPostgreSqlTlsUnavailable"


def test_verify_ca_fails_on_an_unknown_ca(pg_tls: RunningServer, other_ca_file: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(other_ca_file))
    with pytest.raises(ConnectionStageError) as caught:
        _connect(pg_tls, 4)
    assert caught.value.stage == "tls"
    assert caught.value.code == "UserErrorPostgreSqlCertificateUntrusted"


def test_verify_ca_accepts_a_known_ca_whatever_the_host_name(pg_tls: RunningServer, test_ca_file: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(test_ca_file))
    # The certificate names "localhost" only; verify-ca does not look at names.
    assert _encrypted(_connect(pg_tls, 4, host="127.0.0.1")) is True


def test_verify_full_rejects_a_hostname_mismatch(pg_tls: RunningServer, test_ca_file: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(test_ca_file))
    with pytest.raises(ConnectionStageError) as caught:
        _connect(pg_tls, 5, host="127.0.0.1")
    assert caught.value.stage == "tls"
    assert caught.value.code == "UserErrorPostgreSqlCertificateNameMismatch"


def test_verify_full_accepts_a_matching_host_name(pg_tls: RunningServer, test_ca_file: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(test_ca_file))
    assert _encrypted(_connect(pg_tls, 5, host="localhost")) is True


def test_verify_full_fails_on_an_unknown_ca_even_when_the_name_matches(
    pg_tls: RunningServer, other_ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(other_ca_file))
    with pytest.raises(ConnectionStageError) as caught:
        _connect(pg_tls, 5, host="localhost")
    assert caught.value.code == "UserErrorPostgreSqlCertificateUntrusted"


def test_trust_server_certificate_turns_verification_off(pg_tls: RunningServer, other_ca_file: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(other_ca_file))
    connection = _connect(pg_tls, 5, host="127.0.0.1", trustServerCertificate=True)
    assert _encrypted(connection) is True
