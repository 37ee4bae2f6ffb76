"""ADF's rule for the outcome of a pipeline (and of each iteration of a container activity).

From ADF's error-handling tutorial: evaluate every leaf activity; where a leaf was skipped,
evaluate its parent instead; the pipeline succeeds if and only if every evaluated node
succeeded. "Parent" follows the dependency edges, through as many skipped activities as there
are. A skipped activity with no parent (an inactive one marked Skipped) failed nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SUCCEEDED = "Succeeded"
FAILED = "Failed"
SKIPPED = "Skipped"
CANCELLED = "Cancelled"


def upstream_names(activity: Mapping[str, object]) -> list[str]:
    dependencies = activity.get("dependsOn") or []
    assert isinstance(dependencies, list)
    return [str(dependency["activity"]) for dependency in dependencies if isinstance(dependency, dict)]


def failed_nodes(activities: Sequence[Mapping[str, object]], statuses: Mapping[str, str]) -> list[str]:
    """The evaluated nodes that did not succeed, in definition order; empty means success."""
    upstreams = {str(activity["name"]): upstream_names(activity) for activity in activities}
    depended_on = {name for names in upstreams.values() for name in names}
    evaluated: set[str] = set()
    to_visit = [name for name in upstreams if name not in depended_on]
    while to_visit:
        name = to_visit.pop()
        if statuses.get(name) == SKIPPED:
            to_visit.extend(upstreams[name])
        elif name not in evaluated:
            evaluated.add(name)
    return [name for name in upstreams if name in evaluated and statuses.get(name) != SUCCEEDED]
