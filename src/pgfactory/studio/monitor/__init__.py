"""Monitor: pipeline runs, a run's activity runs as a timeline, cancel and rerun."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pgfactory.studio.session import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])
