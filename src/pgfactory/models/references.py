"""References between resources, as ADF writes them."""

from __future__ import annotations

from typing import Any, Literal

from pgfactory.models.base import AdfModel


class LinkedServiceReference(AdfModel):
    reference_name: str
    type: Literal["LinkedServiceReference"] = "LinkedServiceReference"
    parameters: dict[str, Any] | None = None


class CredentialReference(AdfModel):
    reference_name: str
    type: Literal["CredentialReference"] = "CredentialReference"


class IntegrationRuntimeReference(AdfModel):
    reference_name: str
    type: Literal["IntegrationRuntimeReference"] = "IntegrationRuntimeReference"
    parameters: dict[str, Any] | None = None
