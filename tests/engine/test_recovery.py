"""Which activities a rerun from an activity runs again."""

from __future__ import annotations

from pgfactory.engine.recovery import downstream


def test_downstream_follows_dependencies_of_any_condition_but_not_upstream_or_beside() -> None:
    activities = [
        {"name": "A"},
        {"name": "B", "dependsOn": [{"activity": "A", "dependencyConditions": ["Succeeded"]}]},
        {"name": "C", "dependsOn": [{"activity": "B", "dependencyConditions": ["Failed"]}]},
        {"name": "D", "dependsOn": [{"activity": "C", "dependencyConditions": ["Completed"]},
                                    {"activity": "E", "dependencyConditions": ["Succeeded"]}]},
        {"name": "E"},
    ]
    assert downstream(activities, "B") == {"B", "C", "D"}
    assert downstream(activities, "E") == {"E", "D"}
    assert downstream(activities, "D") == {"D"}
