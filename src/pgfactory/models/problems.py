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
    for detail in error.errors(include_input=False, include_url=False):
        path = ".".join(str(part) for part in detail["loc"])
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
    return problems
