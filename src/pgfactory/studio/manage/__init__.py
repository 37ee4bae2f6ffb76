"""Manage: linked services, credentials and integration runtimes."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pgfactory.studio.session import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])
