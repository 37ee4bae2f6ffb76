"""The pipeline diagram's layout: columns by dependency depth, containers holding their own diagrams, conditions."""

from __future__ import annotations

from typing import Any

from pgfactory.studio.author.diagram import (
    ACTIVITY_HEIGHT,
    ACTIVITY_WIDTH,
    ANCHOR,
    COLUMN_GAP,
    MARGIN,
    Box,
    Diagram,
    fit,
    layout,
)


def wait(name: str, *after: str | tuple[str, list[str]]) -> dict[str, Any]:
    """A Wait activity depending on ``after`` (a name: Succeeded; a (name, conditions) pair: those)."""
    depends = [{"activity": item, "dependencyConditions": ["Succeeded"]} if isinstance(item, str)
               else {"activity": item[0], "dependencyConditions": item[1]} for item in after]
    return {"name": name, "type": "Wait", "dependsOn": depends, "typeProperties": {"waitTimeInSeconds": 1}}


def container(name: str, kind: str, **lists: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "type": kind, "typeProperties": dict(lists)}


def boxes_by_name(diagram: Diagram) -> dict[str, Box]:
    return {box.name: box for box in diagram.all_boxes()}


def inside(inner: Box, outer: Box) -> bool:
    return (outer.x < inner.x and inner.x + inner.width < outer.x + outer.width
            and outer.y < inner.y and inner.y + inner.height < outer.y + outer.height)


def test_activities_stand_in_columns_by_their_deepest_upstream() -> None:
    diagram = layout([wait("D", "B", "C"), wait("A"), wait("B", "A"), wait("C", "A", "B"), wait("E")])
    boxes = boxes_by_name(diagram)
    column = ACTIVITY_WIDTH + COLUMN_GAP
    assert {name: (box.x - MARGIN) / column for name, box in boxes.items()} == {"A": 0, "E": 0, "B": 1, "C": 2, "D": 3}
    # in a column, definition order top to bottom, each beside its first upstream when there is room
    assert boxes["A"].y == MARGIN and boxes["E"].y > boxes["A"].y + ACTIVITY_HEIGHT
    assert boxes["B"].y == boxes["A"].y and boxes["C"].y == boxes["A"].y
    assert diagram.width == MARGIN * 2 + 4 * ACTIVITY_WIDTH + 3 * COLUMN_GAP
    assert diagram.height == boxes["E"].y + ACTIVITY_HEIGHT + MARGIN


def test_an_arrow_joins_the_upstream_right_side_to_the_dependant_left_side_one_line_per_condition() -> None:
    diagram = layout([wait("Load"), wait("Cleanup", ("Load", ["Failed", "completed"])), wait("Report", "Load")])
    edges = {(edge.source, edge.target): edge for edge in diagram.all_edges()}
    assert set(edges) == {("Load", "Cleanup"), ("Load", "Report")}
    both = edges[("Load", "Cleanup")]
    assert both.conditions == ("Failed", "Completed")  # ADF's spelling, whatever the case in the file
    assert [line.condition for line in both.lines] == ["Failed", "Completed"]
    load, cleanup = boxes_by_name(diagram)["Load"], boxes_by_name(diagram)["Cleanup"]
    first, second = (line.path.split() for line in both.lines)
    # "M x1 y1 C ... x2 y2": from Load's right side to Cleanup's left side, the two lines side by side
    assert float(first[1]) == load.x + load.width and float(first[-2]) == cleanup.x
    assert float(second[2]) - float(first[2]) == 5 and float(first[2]) < load.y + ANCHOR < float(second[2])
    assert both.lines[0].label_y < both.lines[1].label_y  # labels stacked, not on top of each other


def test_a_dependency_without_conditions_is_drawn_as_succeeded_as_the_engine_reads_it() -> None:
    diagram = layout([wait("A"), {"name": "B", "type": "Wait", "dependsOn": [{"activity": "A"}]}])
    assert [edge.conditions for edge in diagram.all_edges()] == [("Succeeded",)]


def test_a_dependency_on_a_missing_activity_is_listed_on_the_box_and_draws_no_arrow() -> None:
    diagram = layout([wait("A"), wait("B", "A", "Gone")])
    boxes = boxes_by_name(diagram)
    assert boxes["B"].missing == ("Gone",)
    assert [(dependency.activity, dependency.missing) for dependency in boxes["B"].depends_on] == [("A", False), ("Gone", True)]
    assert [(edge.source, edge.target) for edge in diagram.all_edges()] == [("A", "B")]
    assert boxes["B"].x == boxes["A"].x + ACTIVITY_WIDTH + COLUMN_GAP  # placed by the dependency that exists


def test_containers_hold_their_own_diagrams_three_levels_deep() -> None:
    copy = {"name": "CopyRegion", "type": "Copy", "dependsOn": [{"activity": "Check", "dependencyConditions": ["Succeeded"]}]}
    switch = container("Route", "Switch", on={"value": "@item().kind", "type": "Expression"},
                       cases=[{"value": "full", "activities": [wait("Check"), copy]}, {"value": "none", "activities": []}],
                       defaultActivities=[wait("Skip")])
    each = container("EachRegion", "ForEach", activities=[switch, wait("After", ("Route", ["Failed"]))])
    diagram = layout([{"name": "ReadControl", "type": "Lookup"}, {**each, "dependsOn": [{"activity": "ReadControl"}]}])
    boxes = boxes_by_name(diagram)
    assert {name: box.level for name, box in boxes.items()} == {
        "ReadControl": 0, "EachRegion": 0, "Route": 1, "After": 1, "Check": 2, "CopyRegion": 2, "Skip": 2}
    assert inside(boxes["Route"], boxes["EachRegion"]) and inside(boxes["After"], boxes["EachRegion"])
    assert all(inside(boxes[name], boxes["Route"]) and inside(boxes[name], boxes["EachRegion"])
               for name in ("Check", "CopyRegion", "Skip"))
    assert [lane.label for lane in boxes["EachRegion"].lanes] == ["Activities"]
    route_lanes = boxes["Route"].lanes
    assert [lane.label for lane in route_lanes] == ['Case "full"', 'Case "none"', "Default"]
    assert [box.name for box in route_lanes[0].boxes] == ["Check", "CopyRegion"] and route_lanes[1].boxes == ()
    assert route_lanes[0].y + route_lanes[0].height <= route_lanes[1].y  # lanes stacked, not overlapping
    # inside a lane, columns by depth again; edges are drawn in every list
    assert boxes["CopyRegion"].x == boxes["Check"].x + ACTIVITY_WIDTH + COLUMN_GAP
    edges = {(edge.source, edge.target): edge.conditions for edge in diagram.all_edges()}
    assert edges == {("ReadControl", "EachRegion"): ("Succeeded",), ("Route", "After"): ("Failed",),
                     ("Check", "CopyRegion"): ("Succeeded",)}
    assert boxes["After"].x >= boxes["Route"].x + boxes["Route"].width + COLUMN_GAP
    assert diagram.width >= boxes["EachRegion"].x + boxes["EachRegion"].width


def test_if_condition_has_a_true_and_a_false_lane_and_until_one_lane_even_when_empty() -> None:
    diagram = layout([container("Enough", "IfCondition", ifTrueActivities=[wait("Yes")]), container("Poll", "Until")])
    boxes = boxes_by_name(diagram)
    true, false = boxes["Enough"].lanes
    assert (true.label, false.label) == ("True", "False")
    assert [box.name for box in true.boxes] == ["Yes"] and false.boxes == ()
    assert false.height > 0 and true.y + true.height < false.y
    assert [lane.label for lane in boxes["Poll"].lanes] == ["Activities"] and boxes["Poll"].container
    assert not boxes["Yes"].container


def test_a_cycle_is_cut_where_it_closes_and_broken_input_draws_what_it_can() -> None:
    diagram = layout([wait("A", "B"), wait("B", "A"), "not an activity", {"type": "Wait"}])
    boxes = boxes_by_name(diagram)
    assert set(boxes) == {"A", "B", "activity 4"}
    assert boxes["B"].x > boxes["A"].x
    assert layout(None) == Diagram(0, 0, (), ()) and layout({"activities": []}) == Diagram(0, 0, (), ())


def test_long_names_are_cut_to_the_box_with_the_full_name_kept() -> None:
    name = "LoadTheCustomersFromTheWarehouseEveryNight"
    box = boxes_by_name(layout([wait(name)]))[name]
    assert box.label.endswith("…") and name.startswith(box.label[:-1]) and len(box.label) < len(name)
    assert box.name == name and fit("short", 100) == "short"
