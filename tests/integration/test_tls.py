"""TLS of the SMS client against a loopback HTTPS server with a certificate made here (a private
CA and a server certificate for 127.0.0.1), in each supported ansible-core's virtualenv.

This machine (like many CI images) sets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE; before issue 10
``requests`` merged them over ``validate_certs`` and ``ca_path``.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.hostile_http_helpers import ConnectProxy, HostileServer, aksk_options, probe

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """``ca.pem`` (a private CA), ``other-ca.pem`` (an unrelated CA) and the server's key and chain."""
    directory = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.timezone.utc)

    def certificate(subject, issuer, key, signing_key, ca, san=None):
        builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    def pem(cert):
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key, other_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _key in range(3))
    ca = certificate("hwcloud.sms test CA", "hwcloud.sms test CA", ca_key, ca_key, True)
    other = certificate("unrelated CA", "unrelated CA", other_key, other_key, True)
    server = certificate("127.0.0.1", "hwcloud.sms test CA", server_key, ca_key, False,
                         [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    (directory / "ca.pem").write_bytes(pem(ca))
    (directory / "other-ca.pem").write_bytes(pem(other))
    (directory / "server.pem").write_bytes(pem(server) + pem(ca))
    (directory / "server.key").write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return directory


@pytest.fixture(scope="module")
def https_server(pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "server.pem", pki / "server.key")
    with HostileServer(tls_context=context, bomb_mib=1) as server:
        yield server


ENV_ELSEWHERE = {"REQUESTS_CA_BUNDLE": SYSTEM_BUNDLE, "CURL_CA_BUNDLE": SYSTEM_BUNDLE}


def test_a_self_signed_server_is_refused_by_default(https_server, ansible_core):
    figures = probe(ansible_core.python, aksk_options(https_server.url, retries=0), call="/ok", env=ENV_ELSEWHERE)
    assert figures["error"] is not None
    assert "TLS verification of 127.0.0.1:%d failed: set ca_path" % https_server.port in figures["error"]["message"]
    assert figures["warnings"] == []


def test_ca_path_wins_over_the_ca_bundle_variables(https_server, pki, ansible_core):
    options = aksk_options(https_server.url, ca_path=str(pki / "ca.pem"))
    figures = probe(ansible_core.python, options, call="/ok", env=ENV_ELSEWHERE)
    assert figures["error"] is None, figures
    assert figures["result"]["source_servers"][0]["name"] == "ok"
    assert figures["warnings"] == []


def test_a_wrong_ca_path_is_refused_even_when_the_variables_name_the_right_ca(https_server, pki, ansible_core):
    options = aksk_options(https_server.url, ca_path=str(pki / "other-ca.pem"), retries=0)
    right = str(pki / "ca.pem")
    figures = probe(ansible_core.python, options, call="/ok",
                    env={"REQUESTS_CA_BUNDLE": right, "CURL_CA_BUNDLE": right})
    assert "TLS verification" in figures["error"]["message"]


def test_without_ca_path_the_variables_are_used(https_server, pki, ansible_core):
    figures = probe(ansible_core.python, aksk_options(https_server.url), call="/ok",
                    env={"REQUESTS_CA_BUNDLE": str(pki / "ca.pem")})
    assert figures["error"] is None, figures


def test_validate_certs_false_wins_over_the_variables_and_warns(https_server, ansible_core):
    figures = probe(ansible_core.python, aksk_options(https_server.url, validate_certs=False), call="/ok",
                    env=ENV_ELSEWHERE)
    assert figures["error"] is None, figures
    assert len(figures["warnings"]) == 1 and "validate_certs is false" in figures["warnings"][0]


def test_proxies_from_the_environment_still_work(https_server, pki, ansible_core):
    with ConnectProxy() as proxy:
        options = aksk_options(https_server.url, ca_path=str(pki / "ca.pem"))
        figures = probe(ansible_core.python, options, call="/ok",
                        env=dict(ENV_ELSEWHERE, HTTPS_PROXY=proxy.url, https_proxy=proxy.url, NO_PROXY="",
                                 no_proxy=""))
    assert figures["error"] is None, figures
    assert proxy.tunnels == ["127.0.0.1:%d" % https_server.port]
