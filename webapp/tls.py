"""HTTPS for ``patrol serve``: phones allow GPS and offline caching only on HTTPS (or localhost).

A real deployment puts a reverse proxy with a proper certificate in front (README);
on a local network ``patrol serve --self-signed`` makes a certificate for this
machine's names and addresses, keeps it in the data directory and serves TLS with
cheroot, a production WSGI server (waitress does not speak TLS).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

logger = logging.getLogger(__name__)

#: A self-signed certificate lives a year; it is made again when it is about to end.
VALID_FOR = timedelta(days=365)
RENEW_BEFORE = timedelta(days=14)


def self_signed(directory: Path, hosts: list[str]) -> tuple[Path, Path]:
    """``(cert, key)`` in ``directory`` valid for ``hosts``, made (again) when needed.

    Parameters
    ----------
    directory
        Where ``patrol.crt`` and ``patrol.key`` are kept (the data directory's ``tls/``).
    hosts
        Names and IP addresses the phones will use; ``localhost`` and 127.0.0.1 are
        always added.
    """
    cert_path, key_path = directory / "patrol.crt", directory / "patrol.key"
    names = sorted({"localhost", "127.0.0.1", *(h for h in hosts if h and h != "0.0.0.0")})
    if cert_path.is_file() and key_path.is_file() and _still_good(cert_path, names):
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "寒夜巡查 Cold-night patrol")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + VALID_FOR)
            .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    logger.info("made a self-signed certificate for %s in %s", ", ".join(names), directory)
    return cert_path, key_path


def fingerprint(cert_path: Path) -> str:
    """The certificate's SHA-256 fingerprint, for staff to compare when a phone warns."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def lan_addresses() -> list[str]:
    """This machine's address on the local network (the one it would reach others from)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP: nothing is sent
            return [probe.getsockname()[0], socket.gethostname()]
        except OSError:
            return [socket.gethostname()]


def tls_server(app: object, host: str, port: int, threads: int, cert: Path,
               key: Path) -> wsgi.Server:
    """A cheroot server for ``app`` over TLS; ``start()`` runs it, ``stop()`` ends it.

    Raises
    ------
    FileNotFoundError
        If the certificate or key file is missing.
    """
    for path in (cert, key):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} does not exist: give --cert and --key files "
                                    "in PEM form, or use --self-signed")
    server = wsgi.Server((host, port), app, numthreads=threads, server_name="patrol")
    server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
    return server


def trust_proxy(app: Flask) -> None:
    """Behind ``PATROL_PROXY_HOPS`` reverse proxies, take the scheme and host they forward,
    so team links read ``https://<public name>/t/...`` and not the inner address."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops < 0:
        raise ValueError(f"PATROL_PROXY_HOPS={hops}: give the number of proxies in front, "
                         "0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops, x_port=hops)


def _still_good(cert_path: Path, names: list[str]) -> bool:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.not_valid_after_utc - RENEW_BEFORE < datetime.now(UTC):
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    covered = {str(v) for v in san.get_values_for_type(x509.DNSName)}
    covered |= {str(v) for v in san.get_values_for_type(x509.IPAddress)}
    return set(names) <= covered


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)
