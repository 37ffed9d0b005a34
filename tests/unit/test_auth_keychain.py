"""Which keyring backends count as a keychain; profiles added beside the user's settings."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_a_switched_off_keyring_is_no_keychain() -> None:
    import keyring
    from keyring.backends import null

    from console.auth.tokens import keychain_available

    before = keyring.get_keyring()
    try:
        keyring.set_keyring(null.Keyring())
        assert not keychain_available()
    finally:
        keyring.set_keyring(before)


def test_a_new_profile_is_appended_and_the_rest_of_the_file_kept(tmp_path: Path) -> None:
    from console.config import add_profile, list_profiles

    settings = tmp_path / "settings.toml"
    settings.write_text(
        '# my notes\n[profiles.default]   # main\nclient_id = "x"  # from the console\n',
        encoding="utf-8",
    )
    before = settings.read_text(encoding="utf-8")
    add_profile("qa-eu", settings)
    add_profile("qa-eu", settings)  # already there: nothing more
    after = settings.read_text(encoding="utf-8")
    assert after.startswith(before) and after.count("[profiles.qa-eu]") == 1
    assert list_profiles(settings) == ["default", "qa-eu"]


def test_a_refresh_stores_the_login_with_one_keychain_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """save_if_current has just read the login: saving it again keeps its client id and
    customer (None for a developer) without reading the keychain a second time."""
    from console.auth.profile import Customer
    from console.auth.token_endpoint import TokenSet
    from console.auth.tokens import TokenStore
    from console.services.session import save_if_current

    store = TokenStore("refresh-reads")
    store.save("developer", TokenSet("Atza|a", "Atzr|held", 0.0), "client-1", None)
    nora = Customer(name="Nora North", email="nora@example.com")
    store.save("customer", TokenSet("Atza|c", "Atzr|cust", 0.0), "client-1", nora)
    reads: list[str] = []
    load = store.load
    monkeypatch.setattr(store, "load", lambda kind: reads.append(kind) or load(kind))
    save_if_current(store, "developer", TokenSet("Atza|b", "Atzr|next", 9.0), "Atzr|held")
    save_if_current(store, "customer", TokenSet("Atza|d", "Atzr|cust2", 9.0), "Atzr|cust")
    assert reads == ["developer", "customer"]
    monkeypatch.undo()
    developer, customer = store.load("developer"), store.load("customer")
    assert developer is not None and developer.tokens.refresh_token == "Atzr|next"
    assert developer.client_id == "client-1" and developer.customer is None
    assert customer is not None and customer.customer == nora
    store.save("customer", TokenSet("Atza|e", "Atzr|cust3", 9.0))  # KEEP: read, and kept
    kept = store.load("customer")
    assert kept is not None and kept.customer == nora and kept.client_id == "client-1"
    store.delete("developer")
    store.delete("customer")
