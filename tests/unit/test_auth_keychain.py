"""Which keyring backends count as a keychain; profiles added beside the user's settings."""

from __future__ import annotations

from pathlib import Path


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
