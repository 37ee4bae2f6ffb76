"""Author: pipelines and datasets, their JSON, the pipeline diagram, and Debug / Trigger now."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pgfactory.studio.author import debug, editor, trigger
from pgfactory.studio.session import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])
router.include_router(trigger.router)
router.include_router(debug.router)
router.include_router(editor.router)
