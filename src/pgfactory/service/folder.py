"""The factory folder that ``serve --factory DIR`` serves, in ADF's git layout, as the source of truth.

At start the service reads the folder (refusing to start on a definition that does not parse,
as ``pgfactory validate`` would report it) and makes the store's copy of that factory match it.
Afterwards every PUT and DELETE on the factory lands in the folder as ADF's git integration
writes it: ``<kind>/<name>.json`` holding ``name`` and ``properties``, four-space indents, keys in
the order given, and secrets sealed, never in clear text.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgfactory.errors import DefinitionError
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.models.factory import load_factory
from pgfactory.service.collections import BY_MODEL_KIND, Collection
from pgfactory.service.scope import FactoryScope


@dataclass(frozen=True)
class FactoryFolder:
    root: Path
    scope: FactoryScope

    def holds(self, scope: FactoryScope) -> bool:
        """Whether ``scope`` is this folder's factory (ARM compares names without case)."""
        return (scope.subscription_id.lower(), scope.resource_group.lower(), scope.factory_name.lower()) == (
            self.scope.subscription_id.lower(), self.scope.resource_group.lower(), self.scope.factory_name.lower())

    def definitions(self) -> tuple[dict[str, Any] | None, list[tuple[Collection, str, dict[str, Any]]]]:
        """The factory's own properties (from ``factory/*.json``, if any) and every resource in the folder."""
        factory, problems = load_factory(self.root)
        if problems:
            listed = "\n".join(f"  {problem}" for problem in problems[:20])
            raise DefinitionError(f"the factory folder {self.root} has {len(problems)} problem(s); "
                                  f"`pgfactory validate` lists them all:\n{listed}", file=self.root)
        factory_properties = None
        for resource in factory.resources[ModelKind.FACTORY].values():
            factory_properties = resource.to_json().get("properties") or {}
        resources = [(collection, name, resource.to_json().get("properties") or {})
                     for kind, collection in BY_MODEL_KIND.items() for name, resource in factory.resources[kind].items()]
        return factory_properties, resources

    def write(self, collection: Collection, name: str, properties: dict[str, Any]) -> None:
        folder = self.root / collection.model.folder
        folder.mkdir(parents=True, exist_ok=True)
        for stale in self._files(collection, name):  # a PUT may change the name's casing
            if stale.name != f"{name}.json":
                stale.unlink()
        text = json.dumps({"name": name, "properties": properties}, indent=4, ensure_ascii=False) + "\n"
        # Written beside the target and renamed over it: a reader (git, an editor) never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, folder / f"{name}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def remove(self, collection: Collection, name: str) -> None:
        for path in self._files(collection, name):
            path.unlink()

    def _files(self, collection: Collection, name: str) -> Iterator[Path]:
        folder = self.root / collection.model.folder
        if folder.is_dir():
            yield from (path for path in folder.glob("*.json") if path.stem.lower() == name.lower())
