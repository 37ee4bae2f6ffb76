from __future__ import annotations

from tests.fixtures.postgres import RunningServer


def test_tls_server_reports_encrypted_sessions(pg_tls: RunningServer) -> None:
    rows = pg_tls.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    assert rows == [(True,)]


def test_plain_server_has_tls_off(pg_plain: RunningServer) -> None:
    assert pg_plain.execute("SHOW ssl") == [("off",)]


def test_passwords_are_scram(pg_plain: RunningServer) -> None:
    pg_plain.create_role("scram_check")
    [(verifier,)] = pg_plain.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_check'")
    assert verifier.startswith("SCRAM-SHA-256$")
