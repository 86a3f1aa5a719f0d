"""Amazon's request verification for Alexa skills hosted as a web service, implemented with `cryptography`.

Follows the rules of ask-sdk-webservice-support's verifier.py (which cannot be imported here, see
TRAPS.md): the certificate URL, the certificate chain to a trusted root with the SAN echo-api.amazon.com,
the RSA signature of the raw body, and the request timestamp within 150 seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import posixpath
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError
from urllib3.exceptions import HTTPError as TransportError

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_256_HEADER = "Signature-256"
SIGNATURE_HEADER = "Signature"
ECHO_API_DOMAIN = "echo-api.amazon.com"
MAX_TIMESTAMP_AGE = 150  # seconds, Amazon's tolerance
# Amazon's certificate URLs use only these characters. Refusing everything else (backslash, "@", "%", "?", "#",
# spaces) means no URL parser can read another host, port or path into them than the one checked here.
CERT_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9._~:/-]+$")
MAX_CHAIN_BYTES = 64 * 1024  # Amazon's chain is about 6 KB
CHAIN_CACHE_SIZE = 32  # Amazon signs with one certificate at a time; a few URLs cover a rotation
READ_SIZE = 8192


class RequestRejected(Exception):
    """The request is not provably from Alexa; the endpoint answers 400."""


def system_roots() -> list[x509.Certificate]:
    """The trusted roots: certifi's bundle (the roots Mozilla ships, as requests uses)."""
    import certifi

    with open(certifi.where(), "rb") as bundle:
        return x509.load_pem_x509_certificates(bundle.read())


@dataclass
class VerifierSettings:
    """What the verifier accepts. The defaults are Amazon's rules; tests widen them only explicitly."""

    cert_hosts: frozenset[str] = frozenset({"s3.amazonaws.com"})
    cert_schemes: frozenset[str] = frozenset({"https"})
    cert_ports: frozenset[int] = frozenset({443})
    cert_path_prefix: str = "/echo.api/"
    san: str = ECHO_API_DOMAIN
    max_timestamp_age: float = MAX_TIMESTAMP_AGE
    fetch_timeout: float = 3.0  # total deadline for fetching a chain (each read is bounded by it too)
    max_chain_bytes: int = MAX_CHAIN_BYTES
    chain_cache_size: int = CHAIN_CACHE_SIZE
    allow_sha1_signature: bool = False
    trust_roots: list[x509.Certificate] | None = None  # None: system roots (certifi)
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.timezone.utc))


class RequestVerifier:
    """Checks one request's headers and raw body; chains that validated are cached by URL, a bounded few."""

    def __init__(self, settings: VerifierSettings | None = None) -> None:
        self.settings = settings or VerifierSettings()
        # lru_cache keeps no result when the call raises, so only chains that validated are kept.
        self.validated_chain = functools.lru_cache(maxsize=self.settings.chain_cache_size)(self._validated_chain)
        self._store: Store | None = None

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise RequestRejected unless the request is signed by Alexa and fresh."""
        cert_url = headers.get(CERT_URL_HEADER)
        if not cert_url:
            raise RequestRejected(f"missing {CERT_URL_HEADER} header")
        chain = self.validated_chain(self.check_cert_url(cert_url))
        self.check_chain(chain)  # again: a cached certificate may have expired since
        self.check_signature(chain[0], headers, body)
        self.check_timestamp(body)

    def check_cert_url(self, url: str) -> str:
        """https://s3.amazonaws.com[:443]/echo.api/... only; returns the URL rebuilt from the checked parts.

        Scheme and host are case-insensitive, the path is case-sensitive and normalised (Amazon's rules).
        Userinfo, backslashes, percent escapes, query and fragment are refused outright.
        """
        if not CERT_URL_CHARACTERS.match(url):
            raise RequestRejected("certificate URL has characters Amazon's never have")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in self.settings.cert_schemes:
            raise RequestRejected("certificate URL scheme not allowed")
        host = (parts.hostname or "").lower()
        if host not in self.settings.cert_hosts:
            raise RequestRejected("certificate URL host not allowed")
        try:
            port = parts.port
        except ValueError as error:
            raise RequestRejected("certificate URL port invalid") from error
        if port is not None and port not in self.settings.cert_ports:
            raise RequestRejected("certificate URL port not allowed")
        path = posixpath.normpath(parts.path) if parts.path else ""
        if not path.startswith(self.settings.cert_path_prefix):
            raise RequestRejected("certificate URL path not allowed")
        return f"{scheme}://{host}{f':{port}' if port is not None else ''}{path}"

    def _validated_chain(self, url: str) -> list[x509.Certificate]:
        chain = self.fetch_chain(url)
        self.check_chain(chain)
        return chain

    def fetch_chain(self, url: str) -> list[x509.Certificate]:
        """The PEM chain at a checked URL (leaf first): at most max_chain_bytes, within fetch_timeout in all."""
        limit, deadline = self.settings.max_chain_bytes, time.monotonic() + self.settings.fetch_timeout
        try:
            # Plain bytes only (no gzip to inflate past the cap); read1 returns what has arrived, so the
            # deadline is checked at least once per read timeout however slowly the server drips.
            with requests.get(url, timeout=self.settings.fetch_timeout, allow_redirects=False, stream=True,
                              headers={"Accept-Encoding": "identity"}) as response:
                response.raise_for_status()
                body = bytearray()
                while block := response.raw.read1(READ_SIZE, decode_content=False):
                    body += block
                    if len(body) > limit:
                        raise RequestRejected(f"certificate chain is larger than {limit:,} bytes")
                    if time.monotonic() > deadline:
                        raise RequestRejected("certificate chain took too long to download")
            chain = x509.load_pem_x509_certificates(bytes(body))
        except (requests.RequestException, TransportError, ValueError) as error:
            raise RequestRejected("certificate chain could not be loaded") from error
        return chain

    def _trust_store(self) -> Store:
        if self._store is None:
            roots = self.settings.trust_roots if self.settings.trust_roots is not None else system_roots()
            self._store = Store(roots)
        return self._store

    def check_chain(self, chain: list[x509.Certificate]) -> None:
        """Leaf within validity, SAN echo-api.amazon.com, chained to a trusted root."""
        now = self.settings.clock()
        leaf = chain[0]
        if not (leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc):
            raise RequestRejected("signing certificate is not within its validity period")
        try:
            verifier = (
                PolicyBuilder().store(self._trust_store()).time(now)
                .build_server_verifier(DNSName(self.settings.san))
            )
            verifier.verify(leaf, chain[1:])
        except VerificationError as error:
            raise RequestRejected(f"signing certificate is not trusted: {error}") from error

    def check_signature(self, leaf: x509.Certificate, headers: Mapping[str, str], body: bytes) -> None:
        """RSA PKCS#1 v1.5 over the raw body: SHA-256 from Signature-256 (SHA-1 Signature only if allowed)."""
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise RequestRejected("signing certificate has no RSA key")
        if headers.get(SIGNATURE_256_HEADER):
            encoded, algorithm = headers[SIGNATURE_256_HEADER], hashes.SHA256()
        elif self.settings.allow_sha1_signature and headers.get(SIGNATURE_HEADER):
            encoded, algorithm = headers[SIGNATURE_HEADER], hashes.SHA1()  # noqa: S303 - Amazon's legacy header
        else:
            raise RequestRejected(f"missing {SIGNATURE_256_HEADER} header")
        try:
            signature = base64.b64decode(encoded, validate=True)
            key.verify(signature, body, padding.PKCS1v15(), algorithm)
        except (ValueError, InvalidSignature) as error:
            raise RequestRejected("request signature does not match") from error

    def check_timestamp(self, body: bytes) -> None:
        """The request's own timestamp within 150 s of now, either side."""
        try:
            stamp = json.loads(body)["request"]["timestamp"]
            when = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError) as error:
            raise RequestRejected("request timestamp missing or invalid") from error
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        age = abs((self.settings.clock() - when).total_seconds())
        if age > self.settings.max_timestamp_age:
            raise RequestRejected("request timestamp is too old or in the future")
