"""Entra endpoints per ``azureCloudType``.

The scope is the Azure Database for PostgreSQL resource of each cloud (Azure CLI's
``ossrdbmsResourceId``); the authority is the cloud's login host. ``AZURE_AUTHORITY_HOST``,
azure-identity's own setting, replaces the authority (for sovereign endpoints and local
stand-ins) without changing the scope.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pgfactory.models.azure_postgresql import AzureCloudType


@dataclass(frozen=True)
class AzureCloud:
    name: AzureCloudType
    authority_host: str
    postgres_scope: str
    key_vault_scope: str


CLOUDS: dict[AzureCloudType, AzureCloud] = {
    AzureCloudType.PUBLIC: AzureCloud(
        AzureCloudType.PUBLIC, "https://login.microsoftonline.com",
        "https://ossrdbms-aad.database.windows.net/.default", "https://vault.azure.net/.default",
    ),
    AzureCloudType.CHINA: AzureCloud(
        AzureCloudType.CHINA, "https://login.chinacloudapi.cn",
        "https://ossrdbms-aad.database.chinacloudapi.cn/.default", "https://vault.azure.cn/.default",
    ),
    AzureCloudType.US_GOVERNMENT: AzureCloud(
        AzureCloudType.US_GOVERNMENT, "https://login.microsoftonline.us",
        "https://ossrdbms-aad.database.usgovcloudapi.net/.default", "https://vault.usgovcloudapi.net/.default",
    ),
    AzureCloudType.GERMANY: AzureCloud(
        AzureCloudType.GERMANY, "https://login.microsoftonline.de",
        "https://ossrdbms-aad.database.cloudapi.de/.default", "https://vault.microsoftazure.de/.default",
    ),
}

DEFAULT_CLOUD = AzureCloudType.PUBLIC


def authority_host(cloud: AzureCloud) -> str:
    return os.environ.get("AZURE_AUTHORITY_HOST") or cloud.authority_host
