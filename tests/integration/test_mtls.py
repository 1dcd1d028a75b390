"""Branch systems authenticate with a client certificate of the bank's CA instead of a token.

A server of its own, on a fresh database, with TLS and required client certificates: the
certificate's common name is the principal, bound to roles like any other; a certificate of
another CA, an expired one or none at all never gets past the handshake.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from tests.integration.conftest import admin_token, grant, start_server
from tests.support.pki import CertificateAuthority, KeyPair

BRANCH = "MT01-BJ"


@dataclass
class TlsBank:
    running: RunningServer
    ca: CertificateAuthority
    target: str
    counter: str  # CN of the counter system's certificate, bound as teller at BRANCH
    counter_cert: KeyPair
    admin_cert: KeyPair
    admin_token: str

    def client(self, cert: KeyPair | None, *, token: str | None = None) -> Client:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.ca.cert_pem,
            private_key=cert.key_pem if cert else None,
            certificate_chain=cert.cert_pem if cert else None,
        )
        return Client(self.target, token=token, credentials=credentials, timeout=10)

    def refused(self, cert: KeyPair | None, *, token: str | None = None) -> RPCError:
        """The error of a call whose handshake fails (not waiting for a server that is up)."""
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.ca.cert_pem,
            private_key=cert.key_pem if cert else None,
            certificate_chain=cert.cert_pem if cert else None,
        )
        caller = Client(
            self.target, token=token, credentials=credentials, timeout=10, wait_for_ready=False
        )
        with caller, pytest.raises(RPCError) as raised:
            caller.list_role_bindings()
        return raised.value

    def auditor(self) -> Client:
        """The administrator: over the same kind of channel (a certificate), with its token."""
        return self.client(self.admin_cert, token=self.admin_token)


@pytest.fixture(scope="module")
def tls_bank(new_database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBank]:  # type: ignore[no-untyped-def]
    ca = CertificateAuthority()
    directory = tmp_path_factory.mktemp("pki")
    key_file, cert_file = ca.issue_server().write(directory, "server")
    ca_file = directory / "ca.crt"
    ca_file.write_bytes(ca.cert_pem)
    running = start_server(
        new_database("mtls"),
        tls_cert_file=str(cert_file),
        tls_key_file=str(key_file),
        tls_client_ca_file=str(ca_file),
    )
    try:
        counter = f"counter-{uuid.uuid4().hex[:8]}"
        grant(running.kernel, counter, "teller", BRANCH)  # the token it returns is not used
        yield TlsBank(
            running,
            ca,
            f"localhost:{running.port}",
            counter,
            ca.issue_client(counter, "Beijing branch"),
            ca.issue_client(f"console-{uuid.uuid4().hex[:8]}"),
            admin_token(running),
        )
    finally:
        running.stop(grace=1)


def test_counter_system_with_bank_certificate_needs_no_token(tls_bank: TlsBank) -> None:
    with tls_bank.client(tls_bank.counter_cert) as counter:
        opened = counter.create_customer(
            type="individual", owning_org_unit=f"{BRANCH}-SB01", display_name="Zhang San"
        )
        assert counter.get_customer(opened.name) == opened
    with tls_bank.auditor() as auditor:
        events = list(auditor.list_audit_events(principal=tls_bank.counter))
    touched = [e for e in events if opened.name in e.customers]
    assert sorted((e.method.rsplit("/", 1)[-1], e.outcome) for e in touched) == [
        ("CreateCustomer", "OK"),
        ("GetCustomer", "OK"),
    ]
    assert all(e.principal == tls_bank.counter for e in touched)


def test_certificate_principal_keeps_to_its_scope(tls_bank: TlsBank) -> None:
    with tls_bank.auditor() as admin:
        elsewhere = admin.create_customer(
            type="individual", owning_org_unit="MT01-SH", display_name="Li Si"
        )
    with tls_bank.client(tls_bank.counter_cert) as counter:
        with pytest.raises(RPCError) as hidden:
            counter.get_customer(elsewhere.name)
        with pytest.raises(RPCError) as denied:
            counter.close_customer(elsewhere.name, "customer request")
    assert hidden.value.code == grpc.StatusCode.NOT_FOUND
    assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_certificate_of_another_ca_fails_the_handshake(tls_bank: TlsBank) -> None:
    stranger = CertificateAuthority("not the bank").issue_client(tls_bank.counter)
    error = tls_bank.refused(stranger)
    assert error.code == grpc.StatusCode.UNAVAILABLE, error


def test_expired_certificate_fails_the_handshake(tls_bank: TlsBank) -> None:
    expired = tls_bank.ca.issue_client(tls_bank.counter, expired=True)
    error = tls_bank.refused(expired)
    assert error.code == grpc.StatusCode.UNAVAILABLE, error


def test_client_without_certificate_fails_the_handshake_even_with_a_token(
    tls_bank: TlsBank,
) -> None:
    error = tls_bank.refused(None, token=tls_bank.admin_token)
    assert error.code == grpc.StatusCode.UNAVAILABLE, error


def test_valid_certificate_without_binding_is_permission_denied(tls_bank: TlsBank) -> None:
    name = f"unbound-{uuid.uuid4().hex[:8]}"
    unbound = tls_bank.client(tls_bank.ca.issue_client(name))
    with unbound, pytest.raises(RPCError) as raised:
        next(unbound.list_customers())
    assert raised.value.code == grpc.StatusCode.PERMISSION_DENIED, raised.value
    assert raised.value.reason == "PERMISSION_DENIED"
    with tls_bank.auditor() as auditor:
        events = list(auditor.list_audit_events(principal=name))
    assert [(e.method.rsplit("/", 1)[-1], e.outcome) for e in events] == [
        ("ListCustomers", "PERMISSION_DENIED")
    ]


def test_server_refuses_plaintext_clients(tls_bank: TlsBank) -> None:
    plaintext = Client(tls_bank.target, token=tls_bank.admin_token, wait_for_ready=False)
    with plaintext, pytest.raises(RPCError) as raised:
        plaintext.list_role_bindings()
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE, raised.value
