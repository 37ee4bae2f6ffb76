"""The AzurePostgreSql connector: linked service resolution, connections, diagnostics."""
