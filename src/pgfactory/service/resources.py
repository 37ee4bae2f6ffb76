"""A factory's definitions as the API serves them: checked, sealed at rest, masked on the way out.

A PUT's body is ``{"properties": {...}}``. Before anything is stored, its name must be one ADF
allows, ``properties.type`` must be present for the kinds that have one (azure-mgmt-datafactory
10.0.0 drops it; a loud 400 beats a guess), and the definition must parse as the model of its
kind, with errors naming the property. Secrets sent as the mask keep the stored secret
(:func:`merge_for_put`), then everything secret is sealed. Every read masks them again.

With a factory folder (``serve --factory DIR``), the folder's factory is mirrored: what a PUT or
DELETE changes lands in ``<kind>/<name>.json`` as ADF's git integration writes it, secrets
sealed (ADF's git files carry an ``encryptedCredential`` in their place, never clear text).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pgfactory.engine.validation import validate_factory
from pgfactory.errors import DefinitionError, NotFoundError
from pgfactory.models.factory import Factory, parse_resource
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.models.problems import Problem
from pgfactory.secrets.at_rest import mask, merge_for_put, seal, unseal
from pgfactory.service.collections import BY_MODEL_KIND, COLLECTIONS, Collection
from pgfactory.service.scope import FactoryScope
from pgfactory.service.secret_shapes import check_secret_shapes

if TYPE_CHECKING:
    from pgfactory.secrets.key import SecretKey
    from pgfactory.service.folder import FactoryFolder
    from pgfactory.store import FactoryRecord, ResourceRecord, ResourceStore

# ADF's naming rules: start with a letter, digit or underscore; none of . + ? / < > * % & : \ # later.
NAME = re.compile(r"[A-Za-z0-9_][^.+?/<>*%&:\\#]*")
MAX_NAME_LENGTH = 260
FACTORY_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")  # ARM: letters, digits and inner hyphens
MAX_FACTORY_NAME_LENGTH = 63


@dataclass(frozen=True)
class ResourceView:
    """A resource as a GET shows it: secrets masked."""

    name: str
    properties: dict[str, Any]
    etag: str


class ResourceService:
    def __init__(self, store: ResourceStore, key: SecretKey, folder: FactoryFolder | None = None) -> None:
        self.store = store
        self.key = key
        self.folder = folder

    # Factories ----------------------------------------------------------------------------------

    def factory(self, scope: FactoryScope) -> FactoryRecord:
        record = self.store.factories.get(scope.subscription_id, scope.resource_group, scope.factory_name)
        if record is None:
            raise NotFoundError(f"factory {scope.factory_name!r} was not found in resource group {scope.resource_group!r}")
        return record

    def factories(self) -> list[FactoryRecord]:
        """Every factory the store holds, by name."""
        return self.store.factories.list(None)

    def put_factory(self, scope: FactoryScope, body: dict[str, Any], *, if_match: str | None) -> tuple[FactoryRecord, bool]:
        check_name(scope.factory_name, "factory", pattern=FACTORY_NAME, longest=MAX_FACTORY_NAME_LENGTH)
        properties = body.get("properties") or {}
        if not isinstance(properties, dict):
            raise DefinitionError("properties must be a JSON object", property_path="properties", code="InvalidRequestContent")
        check_secret_shapes(properties)
        tags = body.get("tags") or {}
        identity = body.get("identity")
        stored = self.store.factories.get(scope.subscription_id, scope.resource_group, scope.factory_name)
        sealed = seal(merge_for_put(properties, stored.properties if stored is not None else None), self.key)
        return self.store.factories.put(
            scope.subscription_id, scope.resource_group, scope.factory_name, location=str(body.get("location") or ""),
            tags={str(key): str(value) for key, value in tags.items()} if isinstance(tags, dict) else {},
            identity=identity if isinstance(identity, dict) else None, properties=sealed, if_match=if_match)

    def factory_properties(self, record: FactoryRecord) -> dict[str, Any]:
        """The factory's properties as a GET shows them (global parameters of type SecureString masked)."""
        masked: dict[str, Any] = mask(record.properties)
        return masked

    # Resources ----------------------------------------------------------------------------------

    def put(self, scope: FactoryScope, collection: Collection, name: str, body: Any, *,
            if_match: str | None, create_only: bool = False) -> tuple[ResourceView, bool]:
        """Create or replace a resource; ``create_only``: :class:`ConflictError` when the name is taken (a form that
        creates must not overwrite what someone else created meanwhile)."""
        factory = self.factory(scope)
        check_name(name, collection.label)
        record, created = self._put(factory, collection, name, _properties(body, collection), if_match=if_match,
                                    create_only=create_only)
        if self.folder is not None and self.folder.holds(scope):
            self.folder.write(collection, record.name, record.properties)
        return _view(record), created

    def get(self, scope: FactoryScope, collection: Collection, name: str) -> ResourceView:
        record = self.store.resources.get(self.factory(scope).id, collection.stored, name)
        if record is None:
            raise NotFoundError(f"{collection.label} {name!r} was not found in factory {scope.factory_name!r}")
        return _view(record)

    def list(self, scope: FactoryScope, collection: Collection, *, after: str | None,
             limit: int) -> tuple[list[ResourceView], str | None]:
        """A page of ``limit`` resources after the name key ``after``, and the key to continue from (None at the end)."""
        records = self.store.resources.list(self.factory(scope).id, collection.stored, after_name_key=after,
                                            limit=limit + 1)
        more = len(records) > limit
        return [_view(record) for record in records[:limit]], records[limit - 1].name_key if more else None

    def every(self, scope: FactoryScope, collection: Collection) -> Iterator[ResourceView]:
        """Every resource of ``collection``, by name (pickers and usage lookups need them all, not a page)."""
        for record in self._all(self.factory(scope).id, collection):
            yield _view(record)

    def exists(self, scope: FactoryScope, collection: Collection, name: str) -> bool:
        return self.store.resources.get(self.factory(scope).id, collection.stored, name) is not None

    def delete(self, scope: FactoryScope, collection: Collection, name: str, *, if_match: str | None) -> bool:
        factory_id = self.factory(scope).id
        existed = self.store.resources.delete(factory_id, collection.stored, name, if_match=if_match)
        self._forget_test_result(factory_id, collection, name)
        if existed and self.folder is not None and self.folder.holds(scope):
            self.folder.remove(collection, name)
        return existed

    def import_folder(self) -> None:
        """Make the store's copy of the folder's factory what the folder holds (see :mod:`.folder`)."""
        assert self.folder is not None
        scope = self.folder.scope
        factory_properties, resources = self.folder.definitions()
        existing = self.store.factories.get(scope.subscription_id, scope.resource_group, scope.factory_name)
        if existing is None or factory_properties is not None:
            self.put_factory(scope, {"location": existing.location if existing else "", "properties": factory_properties or {}},
                             if_match=None)
        factory = self.factory(scope)
        kept: set[tuple[str, str]] = set()
        for collection, name, properties in resources:
            self._put(factory, collection, name, properties, if_match=None)
            kept.add((collection.path, name.lower()))
        for collection in COLLECTIONS.values():
            for record in self._all(factory.id, collection):
                if (collection.path, record.name_key) not in kept:
                    self.store.resources.delete(factory.id, collection.stored, record.name)
                    self._forget_test_result(factory.id, collection, record.name)

    def _put(self, factory: FactoryRecord, collection: Collection, name: str, properties: dict[str, Any], *,
             if_match: str | None, create_only: bool = False) -> tuple[ResourceRecord, bool]:
        stored = None if create_only else self.store.resources.get(factory.id, collection.stored, name)
        merged = merge_for_put(properties, stored.properties if stored is not None else None)
        self._check_definition(collection, name, merged)
        return self.store.resources.put(factory.id, collection.stored, name, seal(merged, self.key), if_match=if_match,
                                        create_only=create_only)

    def _forget_test_result(self, factory_id: int, collection: Collection, name: str) -> None:
        """A deleted linked service's last test connection result goes with it (a new one of that name starts untested)."""
        if collection.model is ModelKind.LINKED_SERVICE:
            self.store.connection_tests.delete(factory_id, name)

    def _all(self, factory_id: int, collection: Collection) -> Iterator[ResourceRecord]:
        after: str | None = None
        while True:
            records = self.store.resources.list(factory_id, collection.stored, after_name_key=after, limit=500)
            yield from records
            if len(records) < 500:
                return
            after = records[-1].name_key

    def runnable_factory(self, record: FactoryRecord) -> Factory:
        """Every definition of the factory, secrets in clear text, as the engine runs them."""
        return self._loaded_factory(record, lambda properties: unseal(properties, self.key))

    def problems(self, scope: FactoryScope, collection: Collection, name: str, body: Any) -> builtins.list[Problem]:
        """Every problem of a definition before it is saved, nothing stored: all of those a PUT refuses (a PUT names
        the first), then what the factory-wide checks find with it in place of the stored one (references to missing
        resources, expressions, dependencies). Secrets stay masked: no check needs their values."""
        factory = self.factory(scope)
        file = f"{collection.model.folder}/{name}.json"
        try:
            check_name(name, collection.label)
            properties = _properties(body, collection)
            stored = self.store.resources.get(factory.id, collection.stored, name)
            check_secret_shapes(merge_for_put(properties, stored.properties if stored is not None else None))
        except DefinitionError as error:
            return [Problem(file, name, error.property_path or "", error.detail)]
        model, problems = parse_resource(collection.model, {"name": name, "properties": properties}, file=file)
        problems += _activity_type_problems(collection, name, properties, file)
        if model is None or problems:
            return problems
        loaded = self._loaded_factory(factory, mask, leave_out=(collection, name.lower()))
        loaded.add(collection.model, model)
        return [problem for problem in validate_factory(loaded) if problem.file == loaded.file_of(collection.model, name)]

    def _loaded_factory(self, record: FactoryRecord, opened: Callable[[Any], Any], *,
                        leave_out: tuple[Collection, str] | None = None) -> Factory:
        """The factory's definitions as models, each ``opened`` (secrets unsealed or masked); ``leave_out`` (a collection
        and a lowered name) skips the definition a caller replaces."""
        factory = Factory()
        model, _ = parse_resource(ModelKind.FACTORY, {"name": record.name, "properties": opened(record.properties)},
                                  file=f"factory/{record.name}.json")
        if model is not None:
            factory.add(ModelKind.FACTORY, model)
        factory_id = record.id
        for collection in BY_MODEL_KIND.values():
            after: str | None = None
            while True:
                records = self.store.resources.list(factory_id, collection.stored, after_name_key=after, limit=500)
                for stored in records:
                    if leave_out is not None and (collection, stored.name_key) == leave_out:
                        continue
                    data = {"name": stored.name, "properties": opened(stored.properties)}
                    model, _ = parse_resource(collection.model, data, file=f"{collection.model.folder}/{record.name}.json")
                    if model is not None:
                        factory.add(collection.model, model)
                if len(records) < 500:
                    break
                after = records[-1].name_key
        return factory

    def _check_definition(self, collection: Collection, name: str, properties: dict[str, Any]) -> None:
        check_secret_shapes(properties)
        file = f"{collection.model.folder}/{name}.json"
        model, problems = parse_resource(collection.model, {"name": name, "properties": properties}, file=file)
        problems = problems or _activity_type_problems(collection, name, properties, file)
        if problems:
            first = problems[0]
            others = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise DefinitionError(first.message + others, resource=name, property_path=first.property_path or None,
                                  code="InvalidResourceDefinition")
        assert model is not None


def _activity_type_problems(collection: Collection, name: str, properties: dict[str, Any], file: str) -> list[Problem]:
    """A pipeline's activities whose type is missing or a base class (what an SDK sends when the model's type is unset)."""
    if collection.model is not ModelKind.PIPELINE:
        return []
    return [Problem(file, name, f"{path}.type",
                    f"activity type {activity_type!r} is missing or a base class, not an activity (azure-mgmt-datafactory "
                    "10.0.0 sends 'Execution' or 'Container' unless the model's type is set)")
            for path, activity_type in _activity_types(properties.get("activities"), "properties.activities")
            if activity_type in _ABSTRACT_ACTIVITY_TYPES]


# What a missing activity type looks like, or the parent discriminators the 10.0.0 client sends in its place.
_ABSTRACT_ACTIVITY_TYPES = frozenset({None, "", "Activity", "Execution", "Container", "ExecutionActivity",
                                      "ControlActivity"})
_NESTED_ACTIVITIES = ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities")


def _activity_types(activities: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(property path, type) of every activity, those inside ForEach, If, Switch and Until included."""
    if not isinstance(activities, list):
        return
    for index, activity in enumerate(activities):
        if not isinstance(activity, dict):
            continue
        here = f"{path}[{index}]"
        yield here, activity.get("type")
        nested = activity.get("typeProperties")
        if isinstance(nested, dict):
            for key in _NESTED_ACTIVITIES:
                yield from _activity_types(nested.get(key), f"{here}.typeProperties.{key}")
            for case_index, case in enumerate(nested.get("cases") or []):
                if isinstance(case, dict):
                    yield from _activity_types(case.get("activities"), f"{here}.typeProperties.cases[{case_index}].activities")


def check_name(name: str, label: str, *, pattern: re.Pattern[str] = NAME, longest: int = MAX_NAME_LENGTH) -> None:
    """Refuse a name ADF would refuse (no path separators, dots or wildcards: a name is also a file name)."""
    if not name or len(name) > longest or pattern.fullmatch(name) is None:
        raise DefinitionError(
            f"{label} name {name[:80]!r} is not allowed: up to {longest} characters, starting with a letter, digit or "
            "underscore, without . + ? / < > * % & : \\ #", property_path="name", code="InvalidResourceName")


def _properties(body: Any, collection: Collection) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise DefinitionError("the body must be a JSON object with 'properties'", code="InvalidRequestContent")
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise DefinitionError("the body has no 'properties' object", property_path="properties",
                              code="InvalidRequestContent")
    if collection.typed and not (isinstance(properties.get("type"), str) and properties["type"]):
        raise DefinitionError(
            f"a {collection.label} needs properties.type (azure-mgmt-datafactory 10.0.0 leaves it out unless it is set "
            "on the model)", property_path="properties.type", code="InvalidResourceDefinition")
    return properties


def _view(record: ResourceRecord) -> ResourceView:
    return ResourceView(record.name, mask(record.properties), record.etag)
