"""Signing in safely: only this console's pages after sign-in, password guessing throttled, sessions revocable."""

from __future__ import annotations

import pytest

from staff_console import ConsoleConfig
from staff_console.__main__ import create_user
from staff_console.routes import auth
from tests.staff_console.conftest import PASSWORD, csrf, login


def sign_in(client, username: str = "viewer", password: str = PASSWORD, query: str = "", **environ):
    return client.post(f"/login{query}", data={"username": username, "password": password,
                                                "csrf_token": csrf(client)}, environ_base=environ)


@pytest.mark.parametrize("query", [
    "?next=/%09/evil.example",  # browsers drop the tab: //evil.example
    "?next=/%0d%0a/evil.example",
    "?next=//evil.example",
    "?next=/%5Cevil.example",  # /\evil.example: browsers read the backslash as a slash
    "?next=%5C%5Cevil.example",
    "?next=https://evil.example/inbox",
    "?next=javascript:alert(1)",
    "?next=%20//evil.example",
    "?next=/%E2%80%A8/evil.example",
    "?next=inbox",
])
def test_sign_in_never_redirects_to_another_site(console, query):
    answer = sign_in(console.test_client(), query=query)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/inbox"


def test_sign_in_returns_to_the_console_page_asked_for(console):
    client = console.test_client()
    asked = client.get("/conversations?fallback=1")
    answer = client.post(asked.headers["Location"], data={"username": "viewer", "password": PASSWORD,
                                                          "csrf_token": csrf(client)})
    assert answer.headers["Location"] == "/conversations?fallback=1"


def test_password_guessing_on_one_account_gets_429_with_a_clear_page(console):
    client = console.test_client()
    for _ in range(5):
        assert sign_in(client, "publisher", "guess").status_code == 401
    refused = sign_in(client, "publisher", "guess")
    assert refused.status_code == 429
    assert auth.TOO_MANY_SIGN_INS in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert sign_in(client, "publisher", PASSWORD).status_code == 429  # even the right password waits
    assert sign_in(client, "editor", PASSWORD).status_code == 302  # other accounts are not held back


def test_password_guessing_from_one_address_gets_429_across_accounts(console):
    client = console.test_client()
    for number in range(20):
        assert sign_in(client, f"nobody-{number}", "guess", REMOTE_ADDR="192.0.2.7").status_code == 401
    assert sign_in(client, "viewer", "guess", REMOTE_ADDR="192.0.2.7").status_code == 429
    assert sign_in(client, "viewer", PASSWORD, REMOTE_ADDR="192.0.2.8").status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_limits(console):
    client = console.test_client()
    for _ in range(8):
        assert sign_in(client, "viewer").status_code == 302


def test_unknown_usernames_cost_a_password_hash_like_known_ones(console, monkeypatch):
    checked = []

    def counting(stored: str, given: str) -> bool:
        checked.append(stored)
        return real(stored, given)

    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", counting)
    client = console.test_client()
    assert sign_in(client, "no-such-person", "guess").status_code == 401
    assert sign_in(client, "viewer", "guess").status_code == 401
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # the same method and cost


def copy_of_session(console, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = console.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_stops_working_after_sign_out(console):
    client = console.test_client()
    token = login(client, "publisher")
    thief = copy_of_session(console, client)
    assert thief.get("/inbox").status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    answer = thief.get("/inbox")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert thief.post("/training/start", data={"csrf_token": token}).status_code == 400  # its CSRF token went too


def test_a_password_reset_ends_every_session_of_the_account(console):
    client, other = console.test_client(), console.test_client()
    login(client, "editor")
    login(other, "viewer")
    thief = copy_of_session(console, client)
    create_user(console.config["CONSOLE"], "editor", "a brand new password", "editor")
    for browser in (client, thief):
        answer = browser.get("/inbox")
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert other.get("/inbox").status_code == 200  # other accounts stay signed in
    assert sign_in(console.test_client(), "editor", "a brand new password").status_code == 302


def test_console_pages_may_not_be_framed(console):
    client = console.test_client()
    for answer in (client.get("/login"), client.get("/inbox")):
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"


def test_the_session_cookie_is_secure_only_when_configured(console, tmp_path, monkeypatch):
    plain = sign_in(console.test_client())
    assert "Secure" not in plain.headers["Set-Cookie"]
    monkeypatch.setenv("CONSOLE_SECURE_COOKIE", "1")
    assert ConsoleConfig.from_env(db_url=f"sqlite:///{tmp_path / 'x.db'}").secure_cookie is True
    console.config["SESSION_COOKIE_SECURE"] = True
    secure = sign_in(console.test_client())
    assert "; Secure" in secure.headers["Set-Cookie"]
    monkeypatch.setenv("CONSOLE_SECURE_COOKIE", "maybe")
    with pytest.raises(ValueError):
        ConsoleConfig.from_env()
