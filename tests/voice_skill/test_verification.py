"""Amazon's request verification, without network: a test CA and signing certificate served from 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.voice_skill.conftest import load_fixture
from voice_skill import verification
from voice_skill.app import create_app
from voice_skill.verification import RequestRejected, RequestVerifier, VerifierSettings


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass
class Signer:
    """A test CA, a leaf certificate for echo-api.amazon.com, and its private key."""

    ca: x509.Certificate
    leaf: x509.Certificate
    key: rsa.RSAPrivateKey

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def make_signer(san: str = "echo-api.amazon.com", expired: bool = False) -> Signer:
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder().subject_name(_name("Test Root CA")).issuer_name(_name("Test Root CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30)).not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start, end = (now - dt.timedelta(days=10), now - dt.timedelta(days=1)) if expired else (
        now - dt.timedelta(days=1), now + dt.timedelta(days=30))
    leaf = (
        x509.CertificateBuilder().subject_name(_name(san)).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return Signer(ca, leaf, key)


class CertServer:
    """Serves PEM chains from 127.0.0.1 under /echo.api/, as S3 serves Amazon's; counts what was fetched.

    A file under /echo.api/slow/ is sent 100 bytes at a time, 50 ms apart, as a server dripping its answer would.
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: Counter[str] = Counter()
        files, hits = self.files, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits[self.path] += 1
                body = files.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                try:
                    if body and self.path.startswith("/echo.api/slow/"):
                        for start in range(0, len(body), 100):
                            self.wfile.write(body[start:start + 100])
                            self.wfile.flush()
                            time.sleep(0.05)
                    else:
                        self.wfile.write(body or b"")
                except OSError:
                    pass  # the verifier stopped reading

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, name: str, signer: Signer, padding: bytes = b"") -> str:
        self.files[f"/echo.api/{name}"] = signer.leaf.public_bytes(serialization.Encoding.PEM) + signer.ca.public_bytes(
            serialization.Encoding.PEM) + padding
        return f"http://127.0.0.1:{self.port}/echo.api/{name}"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return make_signer()


@pytest.fixture(scope="module")
def cert_server() -> Iterator[CertServer]:
    server = CertServer()
    yield server
    server.server.shutdown()


def test_settings(signer: Signer, cert_server: CertServer) -> VerifierSettings:
    """Explicit test configuration: the local cert host over http, trusting only the test CA."""
    return VerifierSettings(cert_hosts=frozenset({"127.0.0.1"}), cert_schemes=frozenset({"http"}),
                            cert_ports=frozenset({cert_server.port}), trust_roots=[signer.ca])


test_settings.__test__ = False  # a helper, not a test


def fresh_body(seconds_ago: float = 0) -> bytes:
    envelope = load_fixture("launch_request.jovo.json")
    stamp = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds_ago)
    envelope["request"]["timestamp"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(envelope).encode()


@pytest.fixture
def verified_client(signer: Signer, cert_server: CertServer) -> Any:
    # RASA_URL points nowhere: a verified request gets the spoken apology, which is enough to see it got through.
    app = create_app({"VERIFIER_SETTINGS": test_settings(signer, cert_server), "RASA_URL": "http://127.0.0.1:9",
                      "RASA_TIMEOUT": 1})
    return app.test_client()


def post(client: Any, body: bytes, headers: dict[str, str]) -> Any:
    return client.post("/alexa", data=body, headers={"Content-Type": "application/json", **headers})


def test_correctly_signed_fresh_request_is_accepted(verified_client: Any, signer: Signer,
                                                    cert_server: CertServer) -> None:
    body = fresh_body()
    url = cert_server.publish("good.pem", signer)
    response = post(verified_client, body, {"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)})
    assert response.status_code == 200
    assert "<speak>" in response.get_json()["response"]["outputSpeech"]["ssml"]


def test_bad_signature_is_refused_with_400(verified_client: Any, signer: Signer, cert_server: CertServer) -> None:
    body = fresh_body()
    url = cert_server.publish("good.pem", signer)
    forged = signer.sign(body.replace(b"LaunchRequest", b"IntentRequest"))
    response = post(verified_client, body, {"SignatureCertChainUrl": url, "Signature-256": forged})
    assert response.status_code == 400
    assert response.get_json()["error"] == "verification_failed"


def test_body_tampered_after_signing_is_refused(verified_client: Any, signer: Signer, cert_server: CertServer) -> None:
    body = fresh_body()
    url = cert_server.publish("good.pem", signer)
    signature = signer.sign(body)
    response = post(verified_client, body.replace(b"en-US", b"en-GB"),
                    {"SignatureCertChainUrl": url, "Signature-256": signature})
    assert response.status_code == 400


def test_stale_timestamp_is_refused_with_400(verified_client: Any, signer: Signer, cert_server: CertServer) -> None:
    body = fresh_body(seconds_ago=151)
    url = cert_server.publish("good.pem", signer)
    response = post(verified_client, body, {"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)})
    assert response.status_code == 400


def test_certificate_from_an_untrusted_ca_is_refused(verified_client: Any, cert_server: CertServer) -> None:
    impostor = make_signer()  # same SAN, but its own CA that the verifier does not trust
    body = fresh_body()
    url = cert_server.publish("impostor.pem", impostor)
    assert post(verified_client, body, {"SignatureCertChainUrl": url,
                                        "Signature-256": impostor.sign(body)}).status_code == 400


def test_certificate_for_another_domain_or_expired_is_refused(signer: Signer, cert_server: CertServer) -> None:
    verifier = RequestVerifier(test_settings(signer, cert_server))
    wrong = make_signer(san="evil.example.com")
    with pytest.raises(RequestRejected):
        RequestVerifier(VerifierSettings(trust_roots=[wrong.ca])).check_chain([wrong.leaf, wrong.ca])
    expired = make_signer(expired=True)
    with pytest.raises(RequestRejected, match="validity"):
        RequestVerifier(VerifierSettings(trust_roots=[expired.ca])).check_chain([expired.leaf, expired.ca])
    verifier.check_chain([signer.leaf, signer.ca])  # the good one passes


def test_wrong_certificate_url_is_refused_with_400(verified_client: Any, signer: Signer,
                                                   cert_server: CertServer) -> None:
    body = fresh_body()
    for url in (f"http://127.0.0.1:{cert_server.port}/other/good.pem",
                f"http://127.0.0.1:{cert_server.port}/echo.api/../good.pem",
                f"http://localhost:{cert_server.port}/echo.api/good.pem",
                f"http://127.0.0.1:{cert_server.port + 1}/echo.api/good.pem"):
        cert_server.publish("good.pem", signer)
        response = post(verified_client, body, {"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)})
        assert response.status_code == 400, url


@pytest.mark.parametrize("url", [
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
])
def test_amazon_certificate_urls_are_allowed(url: str) -> None:
    RequestVerifier().check_cert_url(url)


@pytest.mark.parametrize("url", [
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://notamazon.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
])
def test_other_certificate_urls_are_refused(url: str) -> None:
    with pytest.raises(RequestRejected):
        RequestVerifier().check_cert_url(url)


def test_real_fixture_without_signature_headers_is_refused_when_verification_is_on() -> None:
    client = create_app({"RASA_URL": "http://127.0.0.1:9"}).test_client()  # default configuration
    response = client.post("/alexa", json=load_fixture("intent_request_with_slot.home_assistant.json"))
    assert response.status_code == 400
    assert client.get("/health").get_json()["verify_requests"] is True


def test_request_for_another_skill_is_refused_when_the_skill_id_is_set() -> None:
    client = create_app({"VERIFY_REQUESTS": False, "SKILL_ID": "amzn1.ask.skill.fernbridge",
                         "RASA_URL": "http://127.0.0.1:9"}).test_client()
    response = client.post("/alexa", json=load_fixture("launch_request.jovo.json"))
    assert response.status_code == 400
    assert response.get_json()["error"] == "wrong_skill"


FORGED_CERTIFICATE_URLS = [
    # urlsplit reads s3.amazonaws.com, requests connects to 10.0.0.5:8443 (the parser mismatch of issue 9).
    "https://10.0.0.5:8443\\@s3.amazonaws.com/echo.api/x.pem",
    "https://10.0.0.5:8443\\@s3.amazonaws.com:443/echo.api/x.pem",
    "https://s3.amazonaws.com\\@10.0.0.5/echo.api/x.pem",
    "https://user@s3.amazonaws.com/echo.api/x.pem",
    "https://user:secret@s3.amazonaws.com/echo.api/x.pem",
    "https://s3.amazonaws.com/echo.api/x.pem?redirect=http://10.0.0.5/",
    "https://s3.amazonaws.com/echo.api/x.pem#fragment",
    "https://s3.amazonaws.com/echo.api/x.pem?",
    "https://s3.amazonaws.com/echo.api\\..\\..\\x.pem",
    "https://s3.amazonaws.com/echo.api/%2e%2e/x.pem",
    "https://s3.amazonaws.com /echo.api/x.pem",
    "https://s3.amazonaws.com\t/echo.api/x.pem",
    "https://s3.amazonaws.com./echo.api/x.pem",
    "https://[::1]/echo.api/x.pem",
    "https://s3.amazonaws.com:443:8443/echo.api/x.pem",
    "https://s3.amazonaws.com//echo.api/x.pem",
]


class RecordingGet:
    """Stands in for requests.get: records each URL asked for and fails as an unreachable host would."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str, **_kwargs: Any) -> Any:
        self.urls.append(url)
        raise requests.ConnectionError("no network in this test")


@pytest.mark.parametrize("url", FORGED_CERTIFICATE_URLS)
def test_forged_certificate_urls_are_refused_and_nothing_is_fetched(url: str, monkeypatch: pytest.MonkeyPatch,
                                                                    signer: Signer) -> None:
    fetches = RecordingGet()
    monkeypatch.setattr(verification.requests, "get", fetches)
    body = fresh_body()
    with pytest.raises(RequestRejected):
        RequestVerifier().verify({"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)}, body)
    assert fetches.urls == []


def test_the_chain_is_fetched_from_the_url_rebuilt_from_the_checked_parts(monkeypatch: pytest.MonkeyPatch,
                                                                          signer: Signer) -> None:
    fetches = RecordingGet()
    monkeypatch.setattr(verification.requests, "get", fetches)
    body = fresh_body()
    for url in ("HTTPS://S3.AmazonAWS.com:443/echo.api/../echo.api/./echo-api-cert-12.pem",
                "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"):
        with pytest.raises(RequestRejected, match="could not be loaded"):
            RequestVerifier().verify({"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)}, body)
    assert fetches.urls == ["https://s3.amazonaws.com:443/echo.api/echo-api-cert-12.pem",
                            "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"]


def test_a_chain_larger_than_64_kb_is_refused(signer: Signer, cert_server: CertServer) -> None:
    # A valid chain followed by text PEM readers skip: without a cap the whole body is read and accepted.
    url = cert_server.publish("padded.pem", signer, padding=b"# padding\n" * 7000)
    verifier = RequestVerifier(test_settings(signer, cert_server))
    body = fresh_body()
    with pytest.raises(RequestRejected, match="larger than 65,536 bytes"):
        verifier.verify({"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)}, body)
    cert_server.publish("unpadded.pem", signer)
    verifier.verify({"SignatureCertChainUrl": url.replace("padded", "unpadded"),
                     "Signature-256": signer.sign(body)}, body)


def test_a_chain_dripped_slower_than_the_total_deadline_is_refused(signer: Signer, cert_server: CertServer) -> None:
    # Each 100-byte piece comes well within the per-read timeout; the whole chain takes far longer than 0.3 s.
    url = cert_server.publish("slow/chain.pem", signer)
    settings = test_settings(signer, cert_server)
    settings.fetch_timeout = 0.3
    body = fresh_body()
    with pytest.raises(RequestRejected, match="too long"):
        RequestVerifier(settings).verify({"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)}, body)


def test_only_chains_that_validated_are_cached(signer: Signer, cert_server: CertServer) -> None:
    verifier = RequestVerifier(test_settings(signer, cert_server))
    impostor = make_signer()  # a CA the verifier does not trust
    bad_url = cert_server.publish("impostor-cached.pem", impostor)
    good_url = cert_server.publish("good-cached.pem", signer)
    body = fresh_body()
    for _ in range(2):
        with pytest.raises(RequestRejected, match="not trusted"):
            verifier.verify({"SignatureCertChainUrl": bad_url, "Signature-256": impostor.sign(body)}, body)
        verifier.verify({"SignatureCertChainUrl": good_url, "Signature-256": signer.sign(body)}, body)
    assert cert_server.hits["/echo.api/impostor-cached.pem"] == 2  # fetched each time, never kept
    assert cert_server.hits["/echo.api/good-cached.pem"] == 1


def test_the_chain_cache_is_bounded(signer: Signer, cert_server: CertServer) -> None:
    settings = test_settings(signer, cert_server)
    settings.chain_cache_size = 2
    verifier = RequestVerifier(settings)
    body = fresh_body()
    for number in range(5):
        url = cert_server.publish(f"rotated-{number}.pem", signer)
        verifier.verify({"SignatureCertChainUrl": url, "Signature-256": signer.sign(body)}, body)
    assert verifier.validated_chain.cache_info().currsize == 2
