"""``pgfactory serve`` refuses to serve without TLS unless told; ``pgfactory token`` issues, lists and revokes keys."""

from __future__ import annotations

from pathlib import Path

from pgfactory.service import tokens
from pgfactory.store import ResourceStore
from tests.cli.invoke import pgfactory


def test_serve_needs_tls_or_an_explicit_choice_of_plain_http(tmp_path: Path) -> None:
    result = pgfactory("serve", "--state-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "--tls-cert" in result.stderr and "--dev" in result.stderr and "--insecure-http" in result.stderr


def test_token_create_list_and_revoke(tmp_path: Path) -> None:
    created = pgfactory("token", "create", "--name", "ci", "--role", "operator", "--state-dir", str(tmp_path), cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("pgf_") and "operator" in created.stderr
    with ResourceStore.open(tmp_path) as store:
        record = tokens.verify(store, key)
        assert record.name == "ci" and key not in str(store.tokens.list())  # only the hash is kept
    listed = pgfactory("token", "list", "--state-dir", str(tmp_path), cwd=tmp_path)
    assert record.id in listed.stdout and "operator" in listed.stdout and key not in listed.stdout
    assert pgfactory("token", "revoke", record.id, "--state-dir", str(tmp_path), cwd=tmp_path).returncode == 0
    assert "REVOKED" in pgfactory("token", "list", "--state-dir", str(tmp_path), cwd=tmp_path).stdout
    refused = pgfactory("token", "create", "--name", "x", "--role", "admin", "--state-dir", str(tmp_path), cwd=tmp_path)
    assert refused.returncode == 2 and "reader, operator or contributor" in refused.stderr
