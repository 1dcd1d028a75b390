"""A tiny certificate authority for mutual-TLS tests of the gRPC server on 127.0.0.1.

Every key and certificate made here is a TEST key only: it is generated in memory for each
test run (EC P-256, short validity) and must never be stored in the repository. Tests that need
files write them to a temporary directory with `KeyPair.write`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_LEAF_LIFETIME = datetime.timedelta(days=1)
_BACKDATE = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class KeyPair:
    """A PEM private key (unencrypted PKCS#8) and its PEM certificate."""

    key_pem: bytes
    cert_pem: bytes

    def write(self, directory: Path, name: str) -> tuple[Path, Path]:
        """Write `<name>.key` (mode 0o600) and `<name>.crt` into `directory`; return both paths."""
        key_path = directory / f"{name}.key"
        cert_path = directory / f"{name}.crt"
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self.key_pem)
        key_path.chmod(0o600)  # the file may have existed with a wider mode
        cert_path.write_bytes(self.cert_pem)
        return key_path, cert_path


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _leaf_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


class CertificateAuthority:
    """A self-signed CA (EC P-256, valid from now-1h to now+1 day) that issues leaf certs."""

    def __init__(self, common_name: str = "customer-core test CA") -> None:
        """Generate the CA key and its self-signed certificate."""
        self._key = _new_key()
        self._name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.UTC)
        public_key = self._key.public_key()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(self._name)
            .issuer_name(self._name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _LEAF_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(self._key, hashes.SHA256())
        )

    @property
    def cert_pem(self) -> bytes:
        """The CA certificate in PEM, for `root_certificates=`."""
        return self._cert.public_bytes(serialization.Encoding.PEM)

    def issue_server(
        self,
        hostnames: Sequence[str] = ("localhost",),
        ips: Sequence[str] = ("127.0.0.1",),
    ) -> KeyPair:
        """Issue a serverAuth certificate whose SAN lists `hostnames` (DNS) and `ips` (IP)."""
        sans: list[x509.GeneralName] = [x509.DNSName(name) for name in hostnames]
        sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        common_name = hostnames[0] if hostnames else ips[0]
        return self._issue(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]),
            ExtendedKeyUsageOID.SERVER_AUTH,
            extra=[x509.SubjectAlternativeName(sans)],
        )

    def issue_client(
        self,
        common_name: str,
        organizational_unit: str | None = None,
        *,
        expired: bool = False,
    ) -> KeyPair:
        """Issue a clientAuth certificate for subject CN (and OU); `expired` dates it in the past."""
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        if organizational_unit is not None:
            attributes.append(
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organizational_unit)
            )
        return self._issue(x509.Name(attributes), ExtendedKeyUsageOID.CLIENT_AUTH, expired=expired)

    def _issue(
        self,
        subject: x509.Name,
        usage: x509.ObjectIdentifier,
        *,
        extra: Sequence[x509.ExtensionType] = (),
        expired: bool = False,
    ) -> KeyPair:
        """Sign a leaf certificate for a fresh key; `expired` makes it valid only 2 to 1 days ago."""
        key = _new_key()
        now = datetime.datetime.now(datetime.UTC)
        if expired:
            not_before, not_after = now - 2 * _LEAF_LIFETIME, now - _LEAF_LIFETIME
        else:
            not_before, not_after = now - _BACKDATE, now + _LEAF_LIFETIME
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_key_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
        )
        for extension in extra:
            builder = builder.add_extension(extension, critical=False)
        cert = builder.sign(self._key, hashes.SHA256())
        return KeyPair(
            key_pem=_key_pem(key), cert_pem=cert.public_bytes(serialization.Encoding.PEM)
        )
