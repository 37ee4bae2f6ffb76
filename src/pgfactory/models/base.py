"""The base of every ADF resource model: camelCase JSON, unknown properties kept, key order kept.

ADF resources carry properties we do not model (annotations, folder, new service fields). They
are kept as extras and written back in the order they were read, so that a resource that goes
through pgfactory comes out as the same JSON document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_serializer, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core.core_schema import SerializerFunctionWrapHandler, ValidatorFunctionWrapHandler


class AdfModel(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
    )

    _key_order: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_key_order(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(model, AdfModel):
            model._key_order = list(data)
        return model

    @model_serializer(mode="wrap")
    def _keep_key_order(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if not self._key_order or not isinstance(dumped, dict):
            return dumped
        ordered = {key: dumped[key] for key in self._key_order if key in dumped}
        ordered.update((key, value) for key, value in dumped.items() if key not in ordered)
        return ordered

    def to_json(self) -> dict[str, Any]:
        """The resource as ADF JSON: aliases, only what was given or set, original key order."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class AdfResource(AdfModel):
    """A top-level resource: a name, and the file it is written to is ``<name>.json``."""

    name: str
