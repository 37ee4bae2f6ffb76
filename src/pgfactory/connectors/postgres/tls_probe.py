"""Look at a PostgreSQL server's TLS the way libpq negotiates it, and describe what we see.

libpq does not show the server certificate, so test-connection opens its own socket, sends
PostgreSQL's SSLRequest, and runs the handshake with Python's ssl module using the same rules
as the connection's sslmode: verify-ca checks the chain, verify-full also the host name,
weaker modes encrypt without checking.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from pgfactory.errors import ConnectionStageError
from pgfactory.models.azure_postgresql import SslMode

_SSL_REQUEST = struct.pack("!ii", 8, 80877103)


@dataclass(frozen=True)
class TlsObservation:
    offered: bool
    protocol: str | None = None
    cipher: str | None = None
    subject: str | None = None
    issuer: str | None = None
    not_after: datetime | None = None
    hostname_matches: bool | None = None
    verified: bool = False

    def describe(self) -> dict[str, object]:
        if not self.offered:
            return {"tlsOffered": False}
        days_left = (self.not_after - datetime.now(UTC)).days if self.not_after else None
        return {
            "tlsOffered": True,
            "protocol": self.protocol,
            "cipher": self.cipher,
            "subject": self.subject,
            "issuer": self.issuer,
            "expires": self.not_after.isoformat() if self.not_after else None,
            "daysLeft": days_left,
            "hostnameMatches": self.hostname_matches,
            "certificateVerified": self.verified,
        }


def probe_tls(address: tuple[str, int], server_name: str, mode: SslMode, root_cert: Path | None,
              timeout: float) -> TlsObservation:
    """What the server offers; raises a ``tls`` stage error where ``mode`` would fail."""
    with socket.create_connection(address, timeout=timeout) as raw:
        raw.sendall(_SSL_REQUEST)
        answer = raw.recv(1)
        if answer != b"S":
            if mode >= SslMode.REQUIRE:
                raise ConnectionStageError(
                    "tls", f"the server does not offer TLS, and sslMode {mode.value} ({mode.libpq_name}) requires it",
                    hint="enable ssl on the server, or lower sslMode to 2 (Prefer) if plain connections are acceptable",
                    code="UserErrorPostgreSqlTlsUnavailable",
                )
            return TlsObservation(offered=False)
        context = _context_for(mode, root_cert)
        try:
            with context.wrap_socket(raw, server_hostname=server_name) as tls:
                der = tls.getpeercert(binary_form=True)
                cipher = tls.cipher()
                protocol = tls.version()
        except ssl.SSLCertVerificationError as error:
            raise _verification_error(error, mode, server_name, root_cert) from None
        except ssl.SSLError as error:
            raise ConnectionStageError("tls", f"TLS handshake failed: {error.reason or error}",
                                       hint="check the server's ssl settings and certificate files",
                                       code="UserErrorPostgreSqlTlsHandshakeFailed") from None
    certificate = x509.load_der_x509_certificate(der) if der else None
    matches = _hostname_matches(certificate, server_name) if certificate else None
    return TlsObservation(
        offered=True,
        protocol=protocol,
        cipher=cipher[0] if cipher else None,
        subject=certificate.subject.rfc4514_string() if certificate else None,
        issuer=certificate.issuer.rfc4514_string() if certificate else None,
        not_after=certificate.not_valid_after_utc if certificate else None,
        hostname_matches=matches,
        verified=mode >= SslMode.VERIFY_CA,
    )


def _context_for(mode: SslMode, root_cert: Path | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # libpq's default ssl_min_protocol_version
    if mode >= SslMode.VERIFY_CA:
        if root_cert is None or not root_cert.exists():
            raise ConnectionStageError(
                "tls", f"sslMode {mode.value} ({mode.libpq_name}) needs trusted root certificates and none were found",
                hint="set PGSSLROOTCERT to the CA file that signed the server certificate, or put it in "
                     "~/.postgresql/root.crt",
                code="UserErrorPostgreSqlRootCertificateMissing",
            )
        context.load_verify_locations(cafile=str(root_cert))
        context.check_hostname = mode is SslMode.VERIFY_FULL
        context.verify_mode = ssl.CERT_REQUIRED
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _verification_error(error: ssl.SSLCertVerificationError, mode: SslMode, server_name: str,
                        root_cert: Path | None) -> ConnectionStageError:
    reason = error.verify_message or str(error)
    if "hostname" in reason.lower() or "ip address mismatch" in reason.lower():
        return ConnectionStageError(
            "tls", f"the server certificate does not match host name {server_name!r}: {reason}",
            hint="connect with a host name the certificate was issued for, or use sslMode 4 (VerifyCA)",
            code="UserErrorPostgreSqlCertificateNameMismatch",
        )
    if "expired" in reason.lower():
        return ConnectionStageError("tls", f"the server certificate has expired: {reason}",
                                    hint="renew the server certificate", code="UserErrorPostgreSqlCertificateExpired")
    return ConnectionStageError(
        "tls", f"the server certificate is not trusted ({reason}) with roots from {root_cert}",
        hint="point PGSSLROOTCERT at the CA that signed the server certificate (Azure: DigiCert Global Root G2 "
             "and Microsoft RSA Root CA 2017), or set trustServerCertificate to skip verification",
        code="UserErrorPostgreSqlCertificateUntrusted",
    )


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _hostname_matches(certificate: x509.Certificate, name: str) -> bool:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    if _is_ip(name):
        return ipaddress.ip_address(name) in names.get_values_for_type(x509.IPAddress)
    wanted = name.lower().rstrip(".")
    for pattern in names.get_values_for_type(x509.DNSName):
        pattern = pattern.lower().rstrip(".")
        if pattern == wanted:
            return True
        if pattern.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == pattern[2:]:
            return True
    return False
