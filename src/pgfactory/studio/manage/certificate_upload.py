"""A service principal certificate file, uploaded in the form, as ``servicePrincipalEmbeddedCert`` holds it.

ADF (and pgfactory's token stage) expect the base64 of a PFX (PKCS#12) file with the certificate
and its private key. A .pfx/.p12 file is taken as it is; a PEM file holding both the certificate
and its private key is packed into a PFX with ``cryptography``, protected by the same password
when the key has one.
"""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from pgfactory.errors import DefinitionError

MAX_CERTIFICATE_BYTES = 64 * 1024  # a certificate chain with its key is a few kilobytes
PROPERTY = "properties.typeProperties.servicePrincipalEmbeddedCert"


def embedded_certificate(data: bytes, password: str | None) -> str:
    """The base64 PFX for ``data`` (a PFX, or a PEM with certificate and private key); :class:`DefinitionError` if neither."""
    if not data:
        raise _problem("the file is empty")
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise _problem(f"the file has {len(data):,} bytes; a certificate file is at most {MAX_CERTIFICATE_BYTES:,}")
    if b"-----BEGIN" in data:
        data = _pfx_from_pem(data, password)
    elif not data.startswith(b"\x30"):  # PKCS#12 is DER: an ASN.1 SEQUENCE
        raise _problem("the file is neither a PFX (.pfx, .p12) nor a PEM file")
    return base64.b64encode(data).decode()


def _pfx_from_pem(data: bytes, password: str | None) -> bytes:
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise _problem("the PEM file holds no certificate") from None
    if b"PRIVATE KEY-----" not in data:
        raise _problem("the PEM file holds no private key; Entra ID signs with it: include it, or upload the .pfx")
    key = _private_key(data, password)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption())
    name = certificates[0].subject.rfc4514_string().encode()
    try:
        return pkcs12.serialize_key_and_certificates(name, key, certificates[0], certificates[1:] or None,  # type: ignore[arg-type]
                                                     encryption)
    except (TypeError, ValueError) as error:
        raise _problem(f"the key cannot be packed with the certificate: {error}") from None


def _private_key(data: bytes, password: str | None) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, password.encode() if password else None)
    except TypeError:  # encrypted without a password given, or a password for a key that has none
        if password:
            raise _problem("the private key is not encrypted: leave the certificate password empty") from None
        raise _problem("the private key is encrypted: enter the certificate password, then choose the file again") from None
    except ValueError:
        raise _problem("the private key cannot be read (is the certificate password right?)") from None


def _problem(message: str) -> DefinitionError:
    return DefinitionError(message, property_path=PROPERTY, code="UserErrorEntraCertificateUnreadable")
