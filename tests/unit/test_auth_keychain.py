"""Which keyring backends count as a keychain."""

from __future__ import annotations


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
