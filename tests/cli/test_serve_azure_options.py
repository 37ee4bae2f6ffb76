"""``pgfactory serve``'s Azure account options: a Resource Manager endpoint must be HTTPS, and the choices are named."""

from __future__ import annotations

from pathlib import Path

from tests.cli.invoke import pgfactory


def test_an_azure_management_endpoint_without_tls_is_refused_before_anything_starts(tmp_path: Path) -> None:
    result = pgfactory("serve", "--state-dir", str(tmp_path), "--insecure-http", "--azure-credential", "environment",
                       "--azure-management-endpoint", "http://management.azure.com", cwd=tmp_path)
    assert result.returncode == 2
    assert "--azure-management-endpoint" in result.stderr and "must be an https URL" in result.stderr


def test_the_azure_credential_choices_are_listed(tmp_path: Path) -> None:
    result = pgfactory("serve", "--azure-credential", "certificate", cwd=tmp_path)
    assert result.returncode == 2 and "none" in result.stderr and "managed-identity" in result.stderr
