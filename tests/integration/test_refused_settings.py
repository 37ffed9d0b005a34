"""Settings and arguments that would leak secrets or can never work: exit 2, named, nothing sent.

Each case runs skillctl in this process with every outgoing connection and name lookup
tripped: the test fails if anything is even attempted (no real host is ever contacted).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.cli import main

UNREACHABLE = "10.255.255.1"  # not routable; and the tripwire stops any attempt before it leaves
SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


@pytest.fixture
def tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every connect() and getaddrinfo() is recorded and refused."""
    attempts: list[object] = []

    def connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise ConnectionRefusedError("tripwire: nothing may be sent")

    def connect_ex(self: socket.socket, address: object) -> int:
        attempts.append(address)
        return 111

    def getaddrinfo(host: object, *args: Any, **kw: Any) -> Any:
        attempts.append(host)
        raise socket.gaierror("tripwire: nothing may be looked up")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("SKILL_CONSOLE_ACCESS_TOKEN", "Atza|static-for-this-test")
    path = tmp_path / "skill-console" / "settings.toml"
    path.parent.mkdir(parents=True)
    return path


def skillctl(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out + err


def refused(
    capsys: pytest.CaptureFixture[str], tripwire: list[object], named: list[str], *args: str
) -> str:
    code, text = skillctl(capsys, *(args or ("status", SKILL)))
    assert code == 2, text
    for name in named:
        assert name in text, text
    assert "Traceback" not in text
    assert tripwire == []  # nothing was sent, not even a name lookup
    return text


def test_the_tripwire_sees_a_request_that_would_go_out(
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
) -> None:
    monkeypatch.setenv("SKILL_CONSOLE_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("SKILL_CONSOLE_ENDPOINTS", f"na=https://{UNREACHABLE}")
    code, _ = skillctl(capsys, "status", SKILL)
    assert code == 6 and tripwire  # a network error, after an attempt the tripwire stopped


# --- item 13: https only, except loopback -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SKILL_CONSOLE_ENDPOINTS", f"na=http://{UNREACHABLE}"),
        ("SKILL_CONSOLE_ENDPOINTS", "eu=http://api.eu.amazonalexa.com"),
        ("SKILL_CONSOLE_ENDPOINTS", "na=https://api.amazonalexa.com/v1"),
        ("SKILL_CONSOLE_ENDPOINTS", "na=http://127.0.0.1:9/v1"),
        ("SKILL_CONSOLE_ENDPOINTS", "na=https://api.amazonalexa.com?x=1"),
        ("SKILL_CONSOLE_ENDPOINTS", "na=https://api.amazonalexa.com#f"),
        ("SKILL_CONSOLE_ENDPOINTS", "na=https://user:pw@api.amazonalexa.com"),
        ("SKILL_CONSOLE_LWA_TOKEN_URL", f"http://{UNREACHABLE}/auth/o2/token"),
        ("SKILL_CONSOLE_LWA_TOKEN_URL", "https://api.amazon.com/auth/o2/token?steal=1"),
        ("SKILL_CONSOLE_LWA_AUTHORIZE_URL", "http://www.amazon.com/ap/oa"),
    ],
)
def test_a_clear_text_or_odd_address_in_the_environment_is_refused(
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
    name: str,
    value: str,
) -> None:
    # A refresh token is set too: the token URL would be where it is sent.
    monkeypatch.setenv("SKILL_CONSOLE_REFRESH_TOKEN", "Atzr|secret-refresh")
    monkeypatch.setenv("SKILL_CONSOLE_CLIENT_ID", "amzn1.application-oa2-client.x")
    monkeypatch.setenv("SKILL_CONSOLE_CLIENT_SECRET", "very-secret")
    monkeypatch.setenv(name, value)
    text = refused(capsys, tripwire, [name])
    assert "Atzr|secret-refresh" not in text and "very-secret" not in text


def test_a_clear_text_token_url_in_the_settings_file_is_refused(
    settings_file: Path, capsys: pytest.CaptureFixture[str], tripwire: list[object]
) -> None:
    settings_file.write_text(f'[profiles.default]\ntoken_url = "http://{UNREACHABLE}/token"\n')
    refused(capsys, tripwire, ["token_url", str(settings_file)])


def test_loopback_http_is_still_accepted() -> None:
    from console.config import parse_endpoints, url_problem

    for url in ("http://127.0.0.1:8701", "http://[::1]:8701", "http://localhost:8701/"):
        assert url_problem(url, base_only=True) is None
    assert url_problem("http://127.0.0.2:8700/auth/o2/token") is None
    assert parse_endpoints("na=http://127.0.0.1:8701/")["na"] == "http://127.0.0.1:8701"  # type: ignore[index]


# --- item 14: bad settings and environment values ------------------------------------------


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b'[profiles.default]\nclient_id = "caf\xe9"\n', ["UTF-8"]),
        (b"profiles = 5\n", ["'profiles'"]),
        (b'[[profiles]]\nname = "qa"\n', ["'profiles'"]),
        (b"[profiles]\ndefault = 5\n", ["profiles.default"]),
        (b"[profiles.default]\nmax_attempts = nan\n", ["max_attempts"]),
        (b"[profiles.default]\ntimeout = inf\n", ["timeout"]),
        (b"[profiles.default]\ndeadline = 1e400\n", ["deadline"]),
        (b"[profiles.default]\ndeadline = 1e12\n", ["deadline"]),
        (b'[profiles.default]\ntimeout = "soon"\n', ["timeout"]),
        (b"[profiles.default]\nmax_attempts = 2.5\n", ["max_attempts"]),
        (b"[profiles.default]\nredirect_port = 99999\n", ["redirect_port"]),
        (b"[profiles.default]\nendpoints = 5\n", ["endpoints"]),
    ],
)
def test_a_broken_settings_file_names_the_file_and_the_setting(
    settings_file: Path,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
    content: bytes,
    named: list[str],
) -> None:
    settings_file.write_bytes(content)
    refused(capsys, tripwire, [*named, str(settings_file)])


@pytest.mark.parametrize("name", ["MAX_ATTEMPTS", "TIMEOUT", "DEADLINE", "RETRY_BASE"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "1e12", "x"])
def test_a_non_finite_or_absurd_number_in_the_environment_is_refused(
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(f"SKILL_CONSOLE_{name}", value)
    refused(capsys, tripwire, [f"SKILL_CONSOLE_{name}"])


def test_the_profiles_command_says_what_is_wrong_with_the_file(
    settings_file: Path, capsys: pytest.CaptureFixture[str], tripwire: list[object]
) -> None:
    settings_file.write_bytes(b"profiles = 5\n")
    refused(capsys, tripwire, ["'profiles'"], "profiles")


# --- item 15: link arguments that can never work --------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--redirect-uri", "http://pitangui.amazon.com/api/skill/link/X"),
        ("--redirect-uri", "http://127.0.0.1:9000/cb"),  # real Alexa cannot redirect there
        ("--redirect-uri", "https://pitangui.amazon.com:99999/api/skill/link/X"),
        ("--redirect-uri", "https://pitangui.amazon.com:0/api/skill/link/X"),
        ("--redirect-uri", "https://pitangui.amazon.com/a b"),
        ("--auth-code", "two words"),
        ("--auth-code", "tab\there"),
        ("--auth-code", "bell\x07"),
        ("--auth-code", "caf\u00e9"),
        ("--auth-code", "A" * 5000),
    ],
)
def test_link_arguments_that_can_never_work_are_refused(
    settings_file: Path,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
    option: str,
    value: str,
) -> None:
    args = {"--auth-code": "ANcode123", "--redirect-uri": "https://pitangui.amazon.com/cb"}
    args[option] = value
    flat = [x for pair in args.items() for x in pair]
    text = refused(capsys, tripwire, [], "customer", "enable", SKILL, "--stage", "live", *flat)
    assert "redirect" in text.lower() or "code" in text.lower()


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_redirect_port_out_of_range_is_refused_before_the_login_starts(
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
    port: str,
) -> None:
    monkeypatch.delenv("SKILL_CONSOLE_ACCESS_TOKEN")
    monkeypatch.setenv("SKILL_CONSOLE_CLIENT_ID", "amzn1.application-oa2-client.x")
    monkeypatch.setenv("SKILL_CONSOLE_REDIRECT_PORT", port)
    refused(capsys, tripwire, ["SKILL_CONSOLE_REDIRECT_PORT"], "login", "--no-browser")


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SKILL_CONSOLE_ENDPOINTS", "na=https://me:pw-Zq81x@api.amazonalexa.com"),
        ("SKILL_CONSOLE_LWA_TOKEN_URL", "https://me:pw-Zq81x@api.amazon.com/auth/o2/token"),
        ("SKILL_CONSOLE_LWA_AUTHORIZE_URL", "https://me:pw-Zq81x@www.amazon.com/ap/oa"),
    ],
)
def test_a_refused_address_with_a_password_in_it_does_not_print_the_password(
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
    name: str,
    value: str,
    as_json: bool,
) -> None:
    monkeypatch.setenv(name, value)
    args = ("--json", "status", SKILL) if as_json else ("status", SKILL)
    text = refused(capsys, tripwire, [name], *args)
    assert "pw-Zq81x" not in text and "user name or password" in text


def test_a_password_in_an_address_of_the_settings_file_is_not_printed(
    settings_file: Path, capsys: pytest.CaptureFixture[str], tripwire: list[object]
) -> None:
    settings_file.write_text(
        '[profiles.default]\nendpoints = "na=https://me:pw-Zq81x@api.amazonalexa.com"\n'
        'token_url = "https://me:pw-Zq81x@api.amazon.com/auth/o2/token"\n'
    )
    text = refused(capsys, tripwire, [str(settings_file)])
    assert "pw-Zq81x" not in text and "user name or password" in text


def test_an_unknown_sandbox_account_is_named_not_an_unexpected_failure(
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tripwire: list[object],
) -> None:
    monkeypatch.setenv("SKILL_CONSOLE_SANDBOX_ACCOUNT", "nobody")
    text = refused(
        capsys, tripwire, ["SKILL_CONSOLE_SANDBOX_ACCOUNT"], "--sandbox", "status", SKILL
    )
    assert "developer" in text  # the accounts it could be
