"""HTTPS for phones: a self-signed certificate for the local network, served by cheroot."""

from __future__ import annotations

import ssl
import threading
import urllib.request
from pathlib import Path

from cryptography import x509

from tests.webapp.conftest import make_app
from webapp.tls import fingerprint, self_signed, tls_server


def _names(cert: Path) -> set[str]:
    san = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)}


def test_self_signed_certificate_covers_the_names_and_is_kept(tmp_path: Path) -> None:
    """Made once for localhost and the LAN address; a new address makes a new one."""
    cert, key = self_signed(tmp_path, ["192.168.1.20"])
    assert _names(cert) == {"localhost", "127.0.0.1", "192.168.1.20"}
    assert key.stat().st_mode & 0o777 == 0o600
    first = fingerprint(cert)
    assert self_signed(tmp_path, ["192.168.1.20"]) == (cert, key)
    assert fingerprint(cert) == first
    self_signed(tmp_path, ["patrol.lan"])
    assert "patrol.lan" in _names(cert) and fingerprint(cert) != first


def test_the_app_answers_over_https(planned_dir: Path, tmp_path: Path) -> None:
    """A browser that trusts the certificate gets the sign-in page over TLS, and a Secure cookie."""
    cert, key = self_signed(tmp_path, [])
    server = tls_server(make_app({"DATA_DIR": str(planned_dir)}), "127.0.0.1", 0, 2, cert, key)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        port = server.bind_addr[1]
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"https://localhost:{port}/login", context=context,
                                    timeout=30) as answer:
            assert answer.status == 200
            assert 'name="password"' in answer.read().decode()
            cookie = answer.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        server.stop()
        thread.join(timeout=10)


def test_serve_checks_its_tls_options(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--cert without --key, or both kinds at once, is refused before anything starts."""
    cert, key = self_signed(tmp_path / "tls", [])
    alone = run_cli("--data-dir", str(tmp_path), "serve", "--cert", str(cert))
    assert alone.exit_code == 2 and "--cert and --key together" in alone.output
    both = run_cli("--data-dir", str(tmp_path), "serve", "--cert", str(cert), "--key", str(key),
                   "--self-signed")
    assert both.exit_code == 2 and "not both" in both.output


def test_behind_a_proxy_links_use_the_public_name(planned_dir: Path) -> None:
    """With PATROL_PROXY_HOPS=1 a link handed out reads https://<the public name>/t/..."""
    app = make_app({"DATA_DIR": str(planned_dir), "PROXY_HOPS": 1})
    page = app.test_client().get("/", headers={"X-Forwarded-Proto": "https",
                                               "X-Forwarded-Host": "patrol.example.gov.cn"})
    assert 'value="https://patrol.example.gov.cn/t/' in page.get_data(as_text=True)
    assert "Secure" in page.headers["Set-Cookie"]
    direct = make_app({"DATA_DIR": str(planned_dir)}).test_client().get(
        "/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert "evil.example" not in direct.get_data(as_text=True)
