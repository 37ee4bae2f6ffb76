"""The connectors the New linked service gallery offers: the linked service types pgfactory can run.

ADF's gallery lists about a hundred connectors; pgfactory lists only what it can create and use,
so that nothing in the gallery leads to a definition that cannot run.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgfactory.errors import NotFoundError
from pgfactory.models.azure_key_vault import AZURE_KEY_VAULT
from pgfactory.models.file_datasets import FILE_SERVER
from pgfactory.models.validation import AZURE_POSTGRESQL


@dataclass(frozen=True)
class Connector:
    type: str  # the linked service's properties.type
    title: str  # ADF's name for it in the gallery
    category: str
    description: str
    keywords: tuple[str, ...]  # what a search may type besides the title and type
    testable: bool  # whether Test connection can check it

    def matches(self, query: str) -> bool:
        words = query.lower().split()
        text = " ".join((self.title, self.type, self.category, *self.keywords)).lower()
        return all(word in text for word in words)


CONNECTORS = (
    Connector(AZURE_POSTGRESQL, "Azure Database for PostgreSQL", "Azure · Database",
              "Flexible server or any PostgreSQL server: Copy, Lookup and Script read and write it.",
              ("postgres", "postgresql", "pg", "flexible server", "database", "sql"), testable=True),
    Connector(FILE_SERVER, "File system", "File",
              "A folder on the machine pgfactory runs on: DelimitedText, Parquet and Json files for Copy.",
              ("file server", "folder", "csv", "delimited text", "parquet", "json"), testable=False),
    Connector(AZURE_KEY_VAULT, "Azure Key Vault", "Azure · Security",
              "The vault other linked services read their secrets from (AzureKeyVaultSecret references).",
              ("key vault", "secret", "akv", "vault"), testable=False),
)
BY_TYPE = {connector.type.lower(): connector for connector in CONNECTORS}


def search(query: str) -> list[Connector]:
    """The connectors whose title, type, category or keywords hold every word of ``query``."""
    return [connector for connector in CONNECTORS if connector.matches(query)]


def connector(type_name: str) -> Connector:
    found = BY_TYPE.get(type_name.lower())
    if found is None:
        offered = ", ".join(item.type for item in CONNECTORS)
        raise NotFoundError(f"the studio's linked service form covers {offered}, not {type_name!r}; a linked service of "
                            "another type is changed through the REST API or the factory folder")
    return found
