"""Problems found in definitions, each located as ``file: resource: property: message``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    file: str
    resource: str
    property_path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.file}: {self.resource}: {self.property_path or '-'}: {prefix}{self.message}"

    def to_dict(self) -> dict[str, str]:
        return {
            "file": self.file,
            "resource": self.resource,
            "property": self.property_path,
            "message": self.message,
            "severity": self.severity,
        }


def problems_from_validation_error(
    error: ValidationError, *, file: str, resource: str, prefix: str = ""
) -> list[Problem]:
    """One problem per failed property; never echoes the input value (it may be a secret)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for detail in error.errors(include_input=False, include_url=False):
        path = _property_path(detail["loc"])
        if path in seen:
            continue  # one message per property, not one per branch of a union
        seen.add(path)
        full_path = ".".join(part for part in (prefix, path) if part)
        context = detail.get("ctx") or {}
        if detail["type"] == "required_when":
            for name in str(context["missing"]).split(", "):
                problems.append(Problem(file, resource, f"{prefix}.{name}" if prefix else name,
                                        f"required when authenticationType is {context['auth']}"))
            continue
        message = detail["msg"]
        if detail["type"] == "missing":
            message = "required property is missing"
        problems.append(Problem(file, resource, full_path, message))
    # A union reports each branch: keep the deepest (the branch the input's shape chose).
    paths = {problem.property_path for problem in problems}
    return [problem for problem in problems
            if not any(other.startswith(problem.property_path + ".") for other in paths)]


_UNION_BRANCHES = {"str", "int", "bool", "SecureString", "AzureKeyVaultSecret", "Expression"}


def _property_path(location: tuple[int | str, ...]) -> str:
    """The JSON path of a location, without pydantic's names for union branches."""
    parts: list[str] = []
    skip_tag = False
    for part in location:
        text = str(part)
        if skip_tag:
            skip_tag = False
            continue
        if text.startswith("tagged-union["):
            skip_tag = True  # the next part names the branch that was tried
            continue
        if ("[" in text and "(" in text) or (text in _UNION_BRANCHES and parts):
            continue
        parts.append(text)
    return ".".join(parts)
