"""Parameter declarations shared by linked services, datasets and pipelines."""

from __future__ import annotations

from typing import Any, Literal

from pgfactory.models.base import AdfModel

ParameterType = Literal[
    "Object", "String", "Int", "Float", "Bool", "Array", "SecureString",
    # ADF's git files also write the lower-case spellings
    "object", "string", "int", "float", "bool", "array", "securestring",
]


class ParameterSpecification(AdfModel):
    type: ParameterType
    default_value: Any = None
