"""The JSON editor's text: read as a definition, and checked with every problem located.

The editor holds ADF's ``{"properties": {...}}`` (a ``name`` pasted from ADF's code view is accepted
when it is the resource's own). Broken JSON is reported with its line and column; a definition that
parses is checked by the service exactly as a save would be, then by the factory-wide checks (missing
datasets and linked services, expressions, dependencies), each problem with its property path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pgfactory.models.problems import Severity
from pgfactory.service.resources import ResourceService, ResourceView
from pgfactory.service.scope import FactoryScope
from pgfactory.studio.author.sections import Section


@dataclass(frozen=True)
class EditorProblem:
    path: str  # the property path ("properties.activities[0].dependsOn[0].activity"), "" for the text as a whole
    message: str
    severity: Severity = "error"
    line: int | None = None  # where broken JSON breaks (1-based)
    column: int | None = None
    offset: int | None = None  # the same place as the browser counts it (UTF-16 units), for the editor's caret


@dataclass(frozen=True)
class CheckedDefinition:
    body: dict[str, Any] | None  # {"properties": ...} when the text is a JSON object
    problems: list[EditorProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[EditorProblem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def activities(self) -> Any:
        """What the diagram draws: the text's activities, None when there is nothing to draw."""
        properties = self.body.get("properties") if self.body is not None else None
        return properties.get("activities") if isinstance(properties, dict) else None


def editor_text(properties: dict[str, Any]) -> str:
    """A stored definition as the editor shows it (secrets are masked already)."""
    return json.dumps({"properties": properties}, indent=2, ensure_ascii=False)


def read_definition(text: str, name: str, section: Section) -> CheckedDefinition:
    """The body a save would send, or the reason there is none. Browsers send a textarea's line breaks as CRLF;
    counted as one, lines and columns match what the editor shows."""
    text = text.replace("\r\n", "\n")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return CheckedDefinition(None, [EditorProblem(
            "", f"JSON syntax error at line {error.lineno}, column {error.colno}: {error.msg}", line=error.lineno,
            column=error.colno, offset=len(text[:error.pos].encode("utf-16-le")) // 2)])
    if not isinstance(document, dict):
        return CheckedDefinition(None, [EditorProblem("", 'the definition must be a JSON object: {"properties": {...}}')])
    problems = []
    given = document.get("name")
    if given is not None and (not isinstance(given, str) or given.lower() != name.lower()):
        problems.append(EditorProblem("name", f"the definition is named {str(given)[:80]!r}, not {name!r}: a {section.label} "
                                              "keeps its name (create a new one to copy it under another)"))
    return CheckedDefinition({"properties": document.get("properties")}, problems)


def check_definition(resources: ResourceService, scope: FactoryScope, section: Section, name: str, text: str, *,
                     creating: bool) -> CheckedDefinition:
    """Every problem of the editor's text for the resource ``name`` (``creating``: a new one, whose name must be free)."""
    checked = read_definition(text, name, section)
    if checked.body is None:
        return checked
    problems = list(checked.problems)
    if creating and name and resources.exists(scope, section.collection, name):
        problems.append(EditorProblem("name", f"a {section.label} named {name!r} already exists; choose another name"))
    problems += [EditorProblem(problem.property_path, problem.message, problem.severity)
                 for problem in resources.problems(scope, section.collection, name, checked.body)]
    return CheckedDefinition(checked.body, problems)


def unchanged(text: str, saved: ResourceView) -> bool:
    """Whether the editor's text is the saved definition (formatting aside)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(document, dict) and document.get("properties") == saved.properties

