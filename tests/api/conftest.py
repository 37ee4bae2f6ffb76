"""``pgfactory serve``'s app on HTTPS on loopback (a throwaway CA), with its own state folder and API keys."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme
import uvicorn

from pgfactory.api.app import create_app
from pgfactory.service import tokens
from pgfactory.service.service import Service, ServiceSettings
from pgfactory.service.worker import WorkerSettings
from pgfactory.store import TokenRole

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
GROUP = "rg1"
FACTORY = "adf1"
FACTORY_PATH = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.DataFactory/factories/{FACTORY}"
VERSION = {"api-version": "2018-06-01"}


@dataclass
class RunningApi:
    url: str
    ca_file: Path
    service: Service
    keys: dict[TokenRole, str]

    def client(self, role: TokenRole | None = TokenRole.CONTRIBUTOR, *, versioned: bool = True) -> httpx.Client:
        """A client with ``role``'s key; ``versioned`` adds api-version to every request (it replaces a URL's own query)."""
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role is not None else {}
        return httpx.Client(base_url=self.url, verify=ssl.create_default_context(cafile=self.ca_file), headers=headers,
                            params=VERSION if versioned else None, timeout=30)


def serve(service: Service, folder: Path, *, log_level: str = "warning") -> Iterator[str]:
    """Serve ``service`` over HTTPS on a free loopback port until the generator is closed; yields the base URL.

    uvicorn's loggers log at ``log_level`` from the moment the generator first yields.
    """
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on the accepted connections (it checks the protocol
    # number): with Nagle on, a response's body waits for the client's delayed ACK of its headers, 40 ms a call.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(service), ssl_certfile=str(folder / "server.pem"),
                                           log_level=log_level, lifespan="off", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.02)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def start_service(state: Path, *, max_running: int = 2, max_queued: int = 1000) -> Service:
    service = Service(ServiceSettings(state_dir=state, max_queued=max_queued, worker=WorkerSettings(
        max_running=max_running, heartbeat_seconds=0.2, stale_after_seconds=2)))
    service.start()
    return service


@pytest.fixture
def api(tmp_path: Path) -> Iterator[RunningApi]:
    yield from running_api(tmp_path)


def running_api(tmp_path: Path, **settings: int) -> Iterator[RunningApi]:
    service = start_service(tmp_path / "state", **settings)
    keys = {role: tokens.issue(service.store, f"test-{role.value}", role)[1] for role in TokenRole}
    served = serve(service, tmp_path)
    try:
        yield RunningApi(next(served), tmp_path / "ca.pem", service, keys)
    finally:
        served.close()
        service.stop()
