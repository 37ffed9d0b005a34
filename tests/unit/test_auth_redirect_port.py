"""The loopback redirect port: fixed for real LWA (exact match), free for a local sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.api.errors import ValidationError
from console.config import profile_env
from console.services import session


def test_the_redirect_port_is_fixed_for_amazon_and_free_for_a_sandbox() -> None:
    amazon, local = "https://www.amazon.com/ap/oa", "http://127.0.0.1:8700/ap/oa"
    assert session.redirect_port({}, amazon, None) == session.DEFAULT_REDIRECT_PORT
    assert session.redirect_port({}, local, None) == 0
    assert session.redirect_port({"SKILL_CONSOLE_REDIRECT_PORT": "8123"}, amazon, None) == 8123
    assert session.redirect_port({"SKILL_CONSOLE_REDIRECT_PORT": "8123"}, amazon, 9000) == 9000
    for bad in ("abc", "70000", "-1"):
        with pytest.raises(ValidationError):
            session.redirect_port({"SKILL_CONSOLE_REDIRECT_PORT": bad}, amazon, None)


def test_a_quoted_port_in_the_settings_file_still_works(tmp_path: Path) -> None:
    # It did before settings were checked, as quoted numbers (timeout = "10") still do.
    path = tmp_path / "settings.toml"
    path.write_text('[profiles.default]\nredirect_port = "53682"\ntimeout = "10"\n')
    env = profile_env("default", path)
    assert env["SKILL_CONSOLE_REDIRECT_PORT"] == "53682"
    assert session.redirect_port(env, "https://www.amazon.com/ap/oa", None) == 53682
    path.write_text('[profiles.default]\nredirect_port = "5e4"\n')
    with pytest.raises(ValidationError) as refused:
        profile_env("default", path)
    assert "redirect_port" in refused.value.message
