"""Who signed in: the profile URL beside the token URL, and what is stored and shown."""

from __future__ import annotations

import json

import pytest

from console.auth.lwa import LoginKind, scopes_for
from console.auth.profile import Customer, customer_words, elide, profile_url
from console.auth.token_endpoint import TokenSet
from console.auth.tokens import StoredLogin


@pytest.mark.parametrize(
    ("token_url", "expected"),
    [
        ("https://api.amazon.com/auth/o2/token", "https://api.amazon.com/user/profile"),
        ("https://api.amazon.co.uk/auth/o2/token", "https://api.amazon.co.uk/user/profile"),
        ("https://api.amazon.co.jp/auth/O2/token", "https://api.amazon.co.jp/user/profile"),
        ("http://127.0.0.1:46299/auth/o2/token", "http://127.0.0.1:46299/user/profile"),
        (" https://api.amazon.com/auth/o2/token?x=1 ", "https://api.amazon.com/user/profile"),
    ],
)
def test_the_profile_url_is_on_the_token_urls_origin(token_url: str, expected: str) -> None:
    assert profile_url(token_url) == expected


def test_customer_login_asks_for_the_profile_scope_too() -> None:
    assert scopes_for(LoginKind.CUSTOMER) == ("alexa::skills:account_linking", "profile")
    assert "profile" not in scopes_for(LoginKind.DEVELOPER)


def test_what_is_shown_and_what_never_is() -> None:
    jane = Customer("Jane Doe", "jane@example.com", "amzn1.account.X")
    assert jane.describe() == "Jane Doe <jane@example.com>"
    assert "Jane" not in repr(jane) and "jane" not in repr(jane)
    assert Customer(email="jane@example.com").describe() == "jane@example.com"
    long = Customer("J" * 80, "j" * 80 + "@example.com")
    assert len(long.who(20)) <= 2 * 20 + 3 and long.who(20).count("…") == 2
    missing = Customer(missing="the 'profile' permission was not granted (403)")
    assert missing.describe() == (
        "Amazon did not share the customer's name: the 'profile' permission was not granted (403)"
    )
    assert "log in again" in customer_words(None)
    assert elide("abc", 3) == "abc" and elide("abcd", 3) == "ab…"


def test_the_customer_is_stored_with_the_login_and_old_logins_have_none() -> None:
    tokens = TokenSet("Atza|a", "Atzr|r", 1.0, "alexa::skills:account_linking profile")
    jane = Customer("Jane Doe", "jane@example.com", "amzn1.account.X")
    stored = StoredLogin("customer", tokens, "client", jane)
    again = StoredLogin.from_json(stored.to_json())
    assert again is not None and again.customer == jane
    old = json.loads(stored.to_json())
    del old["customer"]  # a login stored before the console asked for the profile
    before = StoredLogin.from_json(json.dumps(old))
    assert before is not None and before.customer is None and before.client_id == "client"
    assert "Jane" not in repr(stored)
