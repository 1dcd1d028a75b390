"""The test CA (tests/support/pki.py) against a real gRPC server requiring mutual TLS."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.pki import CertificateAuthority, KeyPair

METHOD = "/pki.test.Echo/WhoAmI"
TIMEOUT = 5.0


def _who_am_i(request: bytes, context: grpc.ServicerContext) -> bytes:
    """Answer with the common name of the client certificate the handshake verified."""
    return context.auth_context().get("x509_common_name", [b""])[0]


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority()


@pytest.fixture(scope="module")
def port(ca: CertificateAuthority) -> Iterator[int]:
    """A gRPC server on 127.0.0.1 that demands a client certificate from `ca`."""
    server_pair = ca.issue_server()
    executor = futures.ThreadPoolExecutor(max_workers=2)
    server = grpc.server(executor)
    handler = grpc.method_handlers_generic_handler(
        "pki.test.Echo",
        {"WhoAmI": grpc.unary_unary_rpc_method_handler(_who_am_i)},
    )
    server.add_generic_rpc_handlers((handler,))
    credentials = grpc.ssl_server_credentials(
        [(server_pair.key_pem, server_pair.cert_pem)],
        root_certificates=ca.cert_pem,
        require_client_auth=True,
    )
    bound = server.add_secure_port("127.0.0.1:0", credentials)
    assert bound != 0
    server.start()
    try:
        yield bound
    finally:
        server.stop(grace=None).wait(TIMEOUT)
        executor.shutdown(wait=True)


def _call(port: int, ca: CertificateAuthority, client: KeyPair | None) -> bytes:
    """One unary call to `localhost:port` trusting `ca`, presenting `client` (if any)."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca.cert_pem,
        private_key=client.key_pem if client else None,
        certificate_chain=client.cert_pem if client else None,
    )
    with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
        call = channel.unary_unary(METHOD)
        return call(b"", timeout=TIMEOUT)


def _assert_handshake_fails(port: int, ca: CertificateAuthority, client: KeyPair | None) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        _call(port, ca, client)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE, raised.value.details()


def test_client_certificate_from_the_ca_is_accepted(ca: CertificateAuthority, port: int) -> None:
    client = ca.issue_client("teller-42", "branch-ops")
    assert _call(port, ca, client) == b"teller-42"


def test_client_certificate_from_another_ca_is_rejected(
    ca: CertificateAuthority, port: int
) -> None:
    stranger = CertificateAuthority("some other CA").issue_client("intruder")
    _assert_handshake_fails(port, ca, stranger)


def test_client_without_a_certificate_is_rejected(ca: CertificateAuthority, port: int) -> None:
    _assert_handshake_fails(port, ca, None)


def test_expired_client_certificate_is_rejected(ca: CertificateAuthority, port: int) -> None:
    _assert_handshake_fails(port, ca, ca.issue_client("teller-42", expired=True))


def test_certificates_carry_the_requested_names_and_usages(ca: CertificateAuthority) -> None:
    server = x509.load_pem_x509_certificate(ca.issue_server(["api.test"], ["::1"]).cert_pem)
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["api.test"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["::1"]
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]

    client = x509.load_pem_x509_certificate(ca.issue_client("teller-42", "branch-ops").cert_pem)
    assert client.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "teller-42"
    ou = client.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    assert ou[0].value == "branch-ops"
    eku = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]

    root = x509.load_pem_x509_certificate(ca.cert_pem)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    client.verify_directly_issued_by(root)


def test_key_pair_write_keeps_the_key_private(ca: CertificateAuthority, tmp_path: Path) -> None:
    pair = ca.issue_client("teller-42")
    key_path, cert_path = pair.write(tmp_path, "teller")
    assert (key_path.name, cert_path.name) == ("teller.key", "teller.crt")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_bytes() == pair.key_pem
    assert cert_path.read_bytes() == pair.cert_pem
