"""Self-signed certificates: for the ``wss://`` SDK endpoint and for fleets' GetComputeCertificate.

The C++ SDK only speaks ``wss://`` and sets no verify mode (server-sdk.md §2.1), so a certificate from a private root
is enough. Keys are ECDSA P-256: generated in a millisecond, accepted by TLS 1.2 clients. Files are written once and
reused, so a restarted emulator presents the same certificate.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterable
from pathlib import Path

CERTIFICATE = "certificate.pem"
PRIVATE_KEY = "privateKey.pem"
CHAIN = "certificateChain.pem"
ROOT = "rootCertificate.pem"
VALID_DAYS = 825


def _names(names: Iterable[str]) -> list[object]:
    from cryptography import x509

    out: list[object] = []
    for name in dict.fromkeys(n for n in names if n):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def certificate_directory(directory: Path, *, common_name: str, names: Iterable[str]) -> Path:
    """A directory holding certificate.pem, privateKey.pem, certificateChain.pem and rootCertificate.pem.

    Needs the ``cryptography`` package (installed with the emulator's dev tools).
    """
    if all((directory / f).exists() for f in (CERTIFICATE, PRIVATE_KEY, CHAIN, ROOT)):
        return directory
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError("generating certificates needs the 'cryptography' package") from exc
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gamelift-local root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names([*names, common_name])), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    leaf_pem, root_pem = leaf.public_bytes(pem), root.public_bytes(pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    for name, data in ((ROOT, root_pem), (CERTIFICATE, leaf_pem), (CHAIN, leaf_pem + root_pem)):
        (directory / name).write_bytes(data)
    private = directory / PRIVATE_KEY
    private.touch(mode=0o600)
    private.write_bytes(key_pem)
    return directory


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), str(key_file))
    return context
