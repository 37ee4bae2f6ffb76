"""Monitor: pipeline runs, a run's activity runs as a timeline, cancel and rerun."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pgfactory.studio.monitor import actions, run_page, runs_page
from pgfactory.studio.session import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])
router.include_router(runs_page.router)
router.include_router(run_page.router)
router.include_router(actions.router)
