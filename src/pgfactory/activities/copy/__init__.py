"""The Copy activity: moves rows between datasets as fast as the stores allow."""

from __future__ import annotations

from pgfactory.activities.copy.activity import run_copy

__all__ = ["run_copy"]
