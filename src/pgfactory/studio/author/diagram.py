"""The pipeline diagram's layout: a definition's activities as boxes and dependency arrows, with coordinates.

Pure geometry, JSON in and numbers out; ``templates/author/_diagram.html`` draws it as SVG. Activities
stand in columns by dependency depth, left to right (an activity sits one column right of its deepest
upstream), in definition order within a column, each level with its topmost upstream when there is room.
ForEach, Until, IfCondition and Switch are containers: a box holding one lane per inner activity list
(ForEach/Until: its activities; If: True and False; Switch: each case and the default), each lane laid
out the same way, recursively. An arrow leaves an activity's right side and enters its dependant's left
side, one line per condition of the dependency. A definition that validation refuses is still drawn as
far as it goes: a dependency on a missing activity is listed on the box, a cycle is cut where it closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ACTIVITY_WIDTH = 184
ACTIVITY_HEIGHT = 56
COLUMN_GAP = 84  # room for an arrow and its condition labels
ROW_GAP = 24
MARGIN = 16
HEADER = 44  # a container's name and type, above its lanes
PADDING = 10  # inside a container, around its lanes
LANE_LABEL = 24  # a lane's label, above its activities
LANE_INSET = 12  # inside a lane, around its activities
LANE_GAP = 8
EMPTY_LANE = 40  # the height of a lane without activities
ANCHOR = 28  # arrows leave and enter a box this far below its top: level rows give straight arrows
LINE_SPACING = 5  # between the parallel lines of one dependency with several conditions
LABEL_SPACING = 12  # between the stacked condition labels of one dependency
CHARACTER_WIDTH = 7.6  # an estimate for the box font: long names are cut to fit, the full name is the tooltip
TEXT_INSET = 12

CONDITIONS = ("Succeeded", "Failed", "Completed", "Skipped")
_CONDITION_NAMES = {condition.lower(): condition for condition in CONDITIONS}


@dataclass(frozen=True)
class Dependency:
    activity: str
    conditions: tuple[str, ...]  # ADF's spelling; none given means Succeeded, as the engine reads it
    missing: bool  # the activity is not in the same list (validation names it too)


@dataclass(frozen=True)
class Line:
    """One condition of a dependency: an SVG path and where its label goes."""

    condition: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    conditions: tuple[str, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Lane:
    """One of a container's activity lists (a ForEach's activities, an If's True branch, a Switch case)."""

    label: str
    x: float
    y: float
    width: float
    height: float
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


@dataclass(frozen=True)
class Box:
    name: str
    type: str
    x: float
    y: float
    width: float
    height: float
    level: int  # how deep in containers: 0 for the pipeline's own activities
    depends_on: tuple[Dependency, ...]
    lanes: tuple[Lane, ...] = ()  # a container's lists; none for other activities

    @property
    def container(self) -> bool:
        return bool(self.lanes)

    @property
    def label(self) -> str:
        """The name, cut to the box's width."""
        return fit(self.name, self.width - 2 * TEXT_INSET)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(dependency.activity for dependency in self.depends_on if dependency.missing)


@dataclass(frozen=True)
class Diagram:
    width: float
    height: float
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]

    def all_boxes(self) -> Iterator[Box]:
        """Every box, containers before what they hold."""
        yield from _boxes(self.boxes)

    def all_edges(self) -> Iterator[Edge]:
        """Every edge, the pipeline's own and those inside containers."""
        yield from self.edges
        for box in self.all_boxes():
            for lane in box.lanes:
                yield from lane.edges


def layout(activities: Any) -> Diagram:
    """The diagram of a pipeline's ``activities`` (its ``properties.activities``; anything else draws nothing)."""
    measured = _measure(activities, 0)
    boxes, edges = _place(measured, MARGIN, MARGIN)
    if not boxes:
        return Diagram(0, 0, (), ())
    return Diagram(measured.width + 2 * MARGIN, measured.height + 2 * MARGIN, boxes, edges)


def fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to about ``width`` pixels of the box font."""
    room = max(int(width / CHARACTER_WIDTH), 4)
    return text if len(text) <= room else text[:room - 1] + "…"


def inner_lists(activity: dict[str, Any]) -> list[tuple[str, Any]]:
    """A container's activity lists with their lane labels; empty for other activities."""
    kind = activity.get("type")
    properties = activity.get("typeProperties")
    properties = properties if isinstance(properties, dict) else {}
    if kind in {"ForEach", "Until"}:
        return [("Activities", properties.get("activities"))]
    if kind == "IfCondition":
        return [("True", properties.get("ifTrueActivities")), ("False", properties.get("ifFalseActivities"))]
    if kind == "Switch":
        cases = properties.get("cases")
        lanes = [(f"Case \"{case.get('value', '')}\"", case.get("activities"))
                 for case in (cases if isinstance(cases, list) else []) if isinstance(case, dict)]
        return [*lanes, ("Default", properties.get("defaultActivities"))]
    return []


# Measuring: sizes bottom-up, positions relative to the list that holds each box ---------------------------


@dataclass
class _MeasuredLane:
    label: str
    y: float  # below the container's top
    height: float
    content: _MeasuredList


@dataclass
class _MeasuredBox:
    name: str
    type: str
    depends_on: tuple[Dependency, ...]
    width: float
    height: float
    level: int
    lanes: list[_MeasuredLane]
    x: float = 0
    y: float = 0


@dataclass
class _MeasuredList:
    boxes: list[_MeasuredBox]
    width: float
    height: float


def _measure(activities: Any, level: int) -> _MeasuredList:
    # An activity without a name is called by its place in the list, as validation's property path counts it.
    numbered = [(index, activity) for index, activity in enumerate(activities if isinstance(activities, list) else [])
                if isinstance(activity, dict)]
    entries = [activity for _, activity in numbered]
    names = [str(activity.get("name") or f"activity {index + 1}") for index, activity in numbered]
    known = set(names)
    boxes = [_measure_box(activity, name, known, level) for activity, name in zip(entries, names, strict=True)]
    if not boxes:
        return _MeasuredList([], 0, 0)
    by_name: dict[str, _MeasuredBox] = {}
    for box in boxes:
        by_name.setdefault(box.name, box)
    depths = _depths(boxes, by_name)
    columns = max(depths.values()) + 1
    widths = [max((box.width for box in boxes if depths[box.name] == column), default=0) for column in range(columns)]
    lefts = [sum(widths[:column]) + COLUMN_GAP * column for column in range(columns)]
    free = [0.0] * columns  # the top of the free space in each column
    for column in range(columns):
        for box in (box for box in boxes if depths[box.name] == column and by_name[box.name] is box):
            upstream_tops = [by_name[d.activity].y for d in box.depends_on if not d.missing and by_name[d.activity] is not box]
            box.x = lefts[column]
            box.y = max(free[column], min(upstream_tops, default=0))
            free[column] = box.y + box.height + ROW_GAP
    width = lefts[-1] + widths[-1]
    return _MeasuredList([box for box in boxes if by_name[box.name] is box], width, max(free) - ROW_GAP)


def _measure_box(activity: dict[str, Any], name: str, known: set[str], level: int) -> _MeasuredBox:
    kind = str(activity.get("type") or "")
    depends_on = _dependencies(activity.get("dependsOn"), known)
    lists = inner_lists(activity)
    if not lists:
        return _MeasuredBox(name, kind, depends_on, ACTIVITY_WIDTH, ACTIVITY_HEIGHT, level, [])
    contents = [(label, _measure(inner, level + 1)) for label, inner in lists]
    width = max(ACTIVITY_WIDTH, max(content.width for _, content in contents) + 2 * (LANE_INSET + PADDING))
    lanes: list[_MeasuredLane] = []
    top: float = HEADER
    for label, content in contents:
        height = LANE_LABEL + (content.height if content.boxes else EMPTY_LANE) + LANE_INSET
        lanes.append(_MeasuredLane(label, top, height, content))
        top += height + LANE_GAP
    return _MeasuredBox(name, kind, depends_on, width, top - LANE_GAP + PADDING, level, lanes)


def _dependencies(depends_on: Any, known: set[str]) -> tuple[Dependency, ...]:
    found: list[Dependency] = []
    for dependency in depends_on if isinstance(depends_on, list) else []:
        if not isinstance(dependency, dict) or dependency.get("activity") is None:
            continue
        upstream = str(dependency["activity"])
        given = dependency.get("dependencyConditions")
        conditions = tuple(_CONDITION_NAMES.get(str(condition).lower(), str(condition))
                           for condition in (given if isinstance(given, list) else []))
        found.append(Dependency(upstream, conditions or ("Succeeded",), upstream not in known))
    return tuple(found)


def _depths(boxes: list[_MeasuredBox], by_name: dict[str, _MeasuredBox]) -> dict[str, int]:
    """Each activity's column: 0 without upstream activities, else one more than its deepest upstream.

    A cycle (which validation refuses) is cut at the dependency that closes it, walking downstream from the
    activities in definition order: the first one defined stays on the left.
    """
    downstream: dict[str, list[str]] = {name: [] for name in by_name}
    for box in by_name.values():
        for dependency in box.depends_on:
            if not dependency.missing:
                downstream[dependency.activity].append(box.name)
    cut: set[tuple[str, str]] = set()  # (upstream, dependant) pairs left out
    walked: dict[str, bool] = {}  # name -> still on the walk's path

    def walk(name: str) -> None:
        walked[name] = True
        for dependant in downstream[name]:
            if walked.get(dependant):
                cut.add((name, dependant))
            elif dependant not in walked:
                walk(dependant)
        walked[name] = False

    depths: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in depths:
            depths[name] = max((depth(d.activity) + 1 for d in by_name[name].depends_on
                                if not d.missing and (d.activity, name) not in cut), default=0)
        return depths[name]

    for box in boxes:
        if box.name not in walked:
            walk(box.name)
    for box in boxes:
        depth(box.name)
    return depths


# Placing: absolute coordinates top-down, and the arrows between placed boxes -------------------------------


def _place(measured: _MeasuredList, left: float, top: float) -> tuple[tuple[Box, ...], tuple[Edge, ...]]:
    boxes = tuple(_place_box(box, left + box.x, top + box.y) for box in measured.boxes)
    by_name = {box.name: box for box in boxes}
    edges = tuple(_edge(by_name[dependency.activity], box, dependency.conditions)
                  for box in boxes for dependency in box.depends_on if not dependency.missing)
    return boxes, edges


def _place_box(box: _MeasuredBox, x: float, y: float) -> Box:
    lanes = []
    for lane in box.lanes:
        lane_x, lane_y = x + PADDING, y + lane.y
        inner_boxes, inner_edges = _place(lane.content, lane_x + LANE_INSET, lane_y + LANE_LABEL)
        lanes.append(Lane(lane.label, lane_x, lane_y, box.width - 2 * PADDING, lane.height, inner_boxes, inner_edges))
    return Box(box.name, box.type, x, y, box.width, box.height, box.level, box.depends_on, tuple(lanes))


def _edge(source: Box, target: Box, conditions: tuple[str, ...]) -> Edge:
    x1, y1 = source.x + source.width, source.y + ANCHOR
    x2, y2 = target.x, target.y + ANCHOR
    bend = max(abs(x2 - x1) / 2, 24)
    lines = []
    for index, condition in enumerate(conditions):
        offset = (index - (len(conditions) - 1) / 2) * LINE_SPACING
        a, b = y1 + offset, y2 + offset
        path = (f"M {_n(x1)} {_n(a)} C {_n(x1 + bend)} {_n(a)}, {_n(x2 - bend)} {_n(b)}, {_n(x2)} {_n(b)}")
        # Labels stack above the middle of the curve, the first condition on top.
        label_y = (y1 + y2) / 2 - LINE_SPACING * len(conditions) / 2 - 4 - (len(conditions) - 1 - index) * LABEL_SPACING
        lines.append(Line(condition, path, _n((x1 + x2) / 2), _n(label_y)))
    return Edge(source.name, target.name, conditions, tuple(lines))


def _n(value: float) -> float:
    """Coordinates to a tenth of a pixel: exact enough, and short in the SVG."""
    return round(value, 1)


def _boxes(boxes: tuple[Box, ...]) -> Iterator[Box]:
    for box in boxes:
        yield box
        for lane in box.lanes:
            yield from _boxes(lane.boxes)
