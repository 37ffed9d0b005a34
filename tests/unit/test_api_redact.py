from console.api.redact import redact


def test_redacts_token_shapes_and_named_secrets() -> None:
    text = (
        "Authorization: Bearer Atza|abc.def refresh_token=Atzr|xyz&client_secret=s3cr3t "
        '{"authCode": "partner-123", "codeVerifier": "v" } custom-secret-value'
    )
    out = redact(text, "custom-secret-value")
    for secret in ("Atza|abc.def", "Atzr|xyz", "s3cr3t", "partner-123", "custom-secret-value"):
        assert secret not in out
    assert "[redacted]" in out and "Authorization" in out


def test_text_around_a_redacted_value_survives() -> None:
    assert redact("(refresh_token=Xyz123)") == "(refresh_token=[redacted])"
