"""``serve --factory DIR``: the folder is the source of truth, and what the API writes lands in it as ADF's git files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgfactory.errors import DefinitionError
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.service.service import Service, ServiceSettings

SCOPE = FactoryScope("sub", "rg", "Sales")
PIPELINE = {"name": "Load", "properties": {"activities": [{"name": "Wait", "type": "Wait",
                                                           "typeProperties": {"waitTimeInSeconds": 0}}]}}
LINKED_SERVICE = {"name": "Pg", "properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
    "server": "db.example", "port": 5432, "database": "sales", "sslMode": 4, "authenticationType": "BasicAuth",
    "username": "etl", "password": {"type": "SecureString", "value": "folder-secret"}}}}


def write(root: Path, folder: str, document: dict[str, object]) -> Path:
    (root / folder).mkdir(parents=True, exist_ok=True)
    path = root / folder / f"{document['name']}.json"
    path.write_text(json.dumps(document, indent=4))
    return path


def open_service(root: Path, state: Path) -> Service:
    service = Service(ServiceSettings(state_dir=state, factory_folder=root, folder_scope=SCOPE))
    service.resources.import_folder()
    return service


def test_the_folder_is_imported_and_api_writes_land_in_it_sealed(tmp_path: Path) -> None:
    root, state = tmp_path / "factory", tmp_path / "state"
    write(root, "pipeline", PIPELINE)
    write(root, "linkedService", LINKED_SERVICE)
    service = open_service(root, state)
    try:
        pipelines = COLLECTIONS["pipelines"]
        assert service.resources.get(SCOPE, pipelines, "Load").properties == PIPELINE["properties"]
        linked = service.resources.get(SCOPE, COLLECTIONS["linkedservices"], "Pg").properties
        assert linked["typeProperties"]["password"]["value"] == "**********"

        changed = {"properties": {**PIPELINE["properties"], "description": "from the API"}}
        service.resources.put(SCOPE, pipelines, "Load", changed, if_match=None)
        service.resources.put(SCOPE, pipelines, "Extra", {"properties": PIPELINE["properties"]}, if_match=None)
        written = json.loads((root / "pipeline" / "Load.json").read_text())
        assert written == {"name": "Load", "properties": changed["properties"]}
        assert (root / "pipeline" / "Extra.json").exists()

        # A masked PUT keeps the secret; the file holds it sealed, never in clear text.
        masked = {"properties": {**linked, "description": "kept"}}
        service.resources.put(SCOPE, COLLECTIONS["linkedservices"], "Pg", masked, if_match=None)
        text = (root / "linkedService" / "Pg.json").read_text()
        assert "folder-secret" not in text and "pgfactory:v1:" in text
        runnable = service.resources.runnable_factory(service.resources.factory(SCOPE))
        assert runnable.linked_services["Pg"].properties.type_properties["password"]["value"] == "folder-secret"

        assert service.resources.delete(SCOPE, pipelines, "Extra", if_match=None)
        assert not (root / "pipeline" / "Extra.json").exists()
    finally:
        service.store.close()


def test_on_start_the_store_follows_the_folder(tmp_path: Path) -> None:
    root, state = tmp_path / "factory", tmp_path / "state"
    write(root, "pipeline", PIPELINE)
    service = open_service(root, state)
    service.resources.put(SCOPE, COLLECTIONS["pipelines"], "OnlyInStore", {"properties": PIPELINE["properties"]},
                          if_match=None)
    (root / "pipeline" / "OnlyInStore.json").unlink()  # removed in git while the service was down
    service.store.close()
    write(root, "pipeline", {**PIPELINE, "name": "Added"})
    again = open_service(root, state)
    try:
        names = [view.name for view in again.resources.list(SCOPE, COLLECTIONS["pipelines"], after=None, limit=10)[0]]
        assert names == ["Added", "Load"]
    finally:
        again.store.close()


def test_a_folder_with_a_broken_definition_is_refused_with_its_file(tmp_path: Path) -> None:
    root = tmp_path / "factory"
    (root / "pipeline").mkdir(parents=True)
    (root / "pipeline" / "Broken.json").write_text("{not json")
    with pytest.raises(DefinitionError, match=r"pipeline/Broken\.json"):
        open_service(root, tmp_path / "state")


def test_importing_leaves_the_users_files_as_they_are(tmp_path: Path) -> None:
    root, state = tmp_path / "factory", tmp_path / "state"
    write(root, "linkedService", LINKED_SERVICE)
    open_service(root, state).store.close()
    assert json.loads((root / "linkedService" / "Pg.json").read_text()) == LINKED_SERVICE
