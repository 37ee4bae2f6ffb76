"""Manage: linked services, credentials and integration runtimes."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pgfactory.studio.manage import azure_accounts, credentials, integration_runtimes, linked_services
from pgfactory.studio.session import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])
router.include_router(credentials.router)
router.include_router(integration_runtimes.router)
router.include_router(azure_accounts.router)
router.include_router(linked_services.router)
