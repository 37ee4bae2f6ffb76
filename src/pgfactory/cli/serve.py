"""``pgfactory serve``: the management REST API (ADF's resource paths) and the background run worker."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pgfactory.cli.options import StateDirOption

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on")]


class AzureCredentialOption(StrEnum):
    """``--azure-credential``: the identities of :class:`~pgfactory.service.azure_accounts.AzureCredentialSource`, or none."""

    NONE = "none"
    ENVIRONMENT = "environment"
    MANAGED_IDENTITY = "managed-identity"


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    factory: Annotated[Path | None, typer.Option(
        "--factory", "-f", help="A factory folder in ADF's git layout: the source of truth for that factory; "
        "what the API writes lands in it", file_okay=False, exists=True)] = None,
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8443,
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help="Server certificate (PEM)", exists=True)] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="Its private key (PEM)", exists=True)] = None,
    dev: Annotated[bool, typer.Option("--dev", help="Make a throwaway certificate for loopback (localhost, 127.0.0.1)")]
    = False,
    insecure_http: Annotated[bool, typer.Option("--insecure-http", help="Serve plain HTTP (tokens travel in clear text)")]
    = False,
    store: Annotated[str | None, typer.Option("--store", help="Metadata store URL (postgresql+psycopg://...); "
                                                              "default: SQLite in the state folder")] = None,
    max_running: Annotated[int, typer.Option("--max-running", min=1, help="Runs executing at once")] = 4,
    max_queued: Annotated[int, typer.Option("--max-queued", min=1, help="Runs waiting at most; more get HTTP 429")] = 1000,
    stale_after: Annotated[float, typer.Option(
        "--stale-after", min=1, help="Seconds without a heartbeat after which a run's service counts as dead and the "
        "run is marked Failed")] = 30.0,
    subscription: Annotated[str, typer.Option("--subscription", help="Subscription id the --factory folder answers to")]
    = "00000000-0000-0000-0000-000000000000",
    resource_group: Annotated[str, typer.Option("--resource-group", help="Resource group the --factory folder answers to")]
    = "pgfactory",
    factory_name: Annotated[str | None, typer.Option("--factory-name", help="Factory name of the --factory folder",
                                                     show_default="the folder's name")] = None,
    entra_issuer: Annotated[str | None, typer.Option(
        "--entra-issuer", help="Also accept Entra ID access tokens from this issuer (their iss, e.g. "
        "https://login.microsoftonline.com/<tenant id>/v2.0); with --entra-audience")] = None,
    entra_audience: Annotated[str | None, typer.Option(
        "--entra-audience", help="The aud those tokens must carry: the API app registration's client id or App ID URI")]
    = None,
    azure_credential: Annotated[AzureCredentialOption, typer.Option(
        "--azure-credential", help="Who the studio signs in to Azure as, to list subscriptions, flexible servers and "
        "databases: the service principal of AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or this "
        "machine's managed identity (AZURE_CLIENT_ID picks a user-assigned one); none: servers are entered by hand")]
    = AzureCredentialOption.NONE,
    azure_management_endpoint: Annotated[str, typer.Option(
        "--azure-management-endpoint", help="Azure Resource Manager's URL (another cloud's)")] = "https://management.azure.com",
    azure_management_scope: Annotated[str | None, typer.Option(
        "--azure-management-scope", help="Scope of its tokens", show_default="the endpoint's, <URL>/.default")] = None,
    state: StateDirOption = None,
) -> None:
    """Serve ADF's management REST API (api-version 2018-06-01) with pipeline runs in the background."""
    import uvicorn

    from pgfactory.api.app import create_app
    from pgfactory.service.azure_accounts import AzureCredentialSource, AzureManagementSettings
    from pgfactory.service.entra_tokens import EntraTokenSettings
    from pgfactory.service.scope import FactoryScope
    from pgfactory.service.service import Service, ServiceSettings
    from pgfactory.service.worker import WorkerSettings
    from pgfactory.store.state import state_dir

    if (entra_issuer is None) != (entra_audience is None):
        raise typer.BadParameter("Entra tokens need both --entra-issuer and --entra-audience",
                                 param_hint="--entra-issuer" if entra_issuer is None else "--entra-audience")
    entra = EntraTokenSettings(entra_issuer, entra_audience) if entra_issuer and entra_audience else None
    azure = None
    if azure_credential is not AzureCredentialOption.NONE:
        try:
            azure = AzureManagementSettings(AzureCredentialSource(azure_credential.value), azure_management_endpoint,
                                            azure_management_scope)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--azure-management-endpoint") from None
    folder_state = state_dir(state)
    if insecure_http and (tls_cert or dev):
        raise typer.BadParameter("--insecure-http serves without TLS; drop --tls-cert/--dev", param_hint="--insecure-http")
    if dev and not tls_cert:
        from pgfactory.embedded.certificates import write_self_signed_certificate

        made = write_self_signed_certificate(folder_state / "dev-tls")
        tls_cert, tls_key = made.cert_file, made.key_file
        typer.echo(f"Throwaway certificate for loopback: {tls_cert} (trust it in clients, e.g. REQUESTS_CA_BUNDLE)")
    if not insecure_http and (tls_cert is None or tls_key is None):
        raise typer.BadParameter("TLS is on by default: give --tls-cert and --tls-key, or --dev for a throwaway "
                                 "certificate on loopback, or --insecure-http to serve plain HTTP", param_hint="--tls-cert")
    scope = None
    if factory is not None:
        scope = FactoryScope(subscription, resource_group, factory_name or factory.resolve().name)
    service = Service(ServiceSettings(state_dir=folder_state, store_url=store, factory_folder=factory, folder_scope=scope,
                                      max_queued=max_queued, entra=entra, azure=azure,
                                      worker=WorkerSettings(max_running=max_running, stale_after_seconds=stale_after,
                                                            heartbeat_seconds=min(5.0, stale_after / 4))))
    service.start()
    try:
        scheme = "http" if insecure_http else "https"
        typer.echo(f"pgfactory serve: {scheme}://{host}:{port} (studio: /studio, health: /health, OpenAPI: /openapi.json)")
        if entra is not None:
            typer.echo(f"Bearer tokens: API keys, and Entra tokens of issuer {entra.issuer} for audience {entra.audience}")
        if azure is not None:
            typer.echo(f"Studio lists Azure subscriptions and servers from {azure.endpoint} as the {azure.credential.value} "
                       "identity")
        if scope is not None:
            typer.echo(f"Factory folder {factory} is /subscriptions/{scope.subscription_id}/resourceGroups/"
                       f"{scope.resource_group}/providers/Microsoft.DataFactory/factories/{scope.factory_name}")
        uvicorn.run(create_app(service), host=host, port=port, log_level="info",
                    ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None)
    finally:
        service.stop()
