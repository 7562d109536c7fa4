"""Helpers shared by the seal tests: throwaway self-signed certificates and a local RFC 3161
timestamp authority built on pyHanko's DummyTimeStamper."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys, pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.test import override_settings
from pyhanko.sign.timestamps import DummyTimeStamper


@contextmanager
def portal_seal_in(directory: Path, *, password: str) -> Iterator[Path]:
    """The portal's sealing certificate in `directory` (made on first use), with no timestamp
    authority; yields the certificate's path."""
    certificate = directory / "portal-seal.p12"
    with override_settings(
        SEAL_CERTIFICATE_PATH=certificate,
        SEAL_CERTIFICATE_PASSWORD=password,
        SEAL_ORGANISATION_NAME="Test Alliance",
        SEAL_TIMESTAMP_URL="",
        SEAL_TIMESTAMP_TRUST_ROOTS="",
    ):
        yield certificate


def self_signed_certificate(
    common_name: str, *, extended_usage=None
) -> tuple[asn1_x509.Certificate, keys.PrivateKeyInfo]:
    """A new RSA key and a self-signed CA certificate for it, valid from an hour ago for 30 days,
    as the asn1crypto objects pyHanko takes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    )
    if extended_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage), critical=True)
    certificate = builder.sign(key, hashes.SHA256())
    return (
        asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )


def certificate_pem(certificate: asn1_x509.Certificate) -> str:
    return pem.armor("CERTIFICATE", certificate.dump()).decode()


@contextmanager
def timestamp_authority_server(directory: Path) -> Iterator[tuple[str, Path]]:
    """A tiny RFC 3161 server on localhost answering with pyHanko's DummyTimeStamper; yields its
    URL and a PEM file (written in directory) with its certificate, and stops it afterwards."""
    certificate, key = self_signed_certificate(
        "Test timestamp authority", extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING]
    )
    stamper = DummyTimeStamper(tsa_cert=certificate, tsa_key=key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        roots = directory / "tsa-roots.pem"
        roots.write_text(certificate_pem(certificate))
        yield f"http://127.0.0.1:{server.server_port}/", roots
    finally:
        server.shutdown()
        server.server_close()
