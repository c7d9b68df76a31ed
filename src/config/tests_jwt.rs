//! The token-signing settings: algorithm, issuer, audience, publish-ahead.

use super::values::plain_string;
use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn tokens_are_hs256_without_issuer_or_audience_by_default() {
    let jwt = config(&[]).unwrap().jwt;
    assert_eq!(jwt.algorithm, JwtAlgorithm::HS256);
    assert_eq!((jwt.issuer, jwt.audience), (None, None));
    assert_eq!(jwt.publish_ahead, Duration::from_secs(600));
}

#[test]
fn the_algorithm_is_one_of_three_in_any_case() {
    for (given, expected) in [
        ("EdDSA", JwtAlgorithm::EdDSA),
        ("eddsa", JwtAlgorithm::EdDSA),
        ("ES256", JwtAlgorithm::ES256),
        (" hs256 ", JwtAlgorithm::HS256),
    ] {
        let c = config(&[("ACCOUNTS_JWT_ALGORITHM", given)]).unwrap();
        assert_eq!(c.jwt.algorithm, expected, "{given:?}");
    }
}

#[test]
fn an_unknown_algorithm_names_the_variable_and_the_choices() {
    let err = config(&[("ACCOUNTS_JWT_ALGORITHM", "RS256")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ACCOUNTS_JWT_ALGORITHM: expected one of: HS256, EdDSA, ES256"
    );
}

#[test]
fn issuer_and_audience_are_plain_strings() {
    let c = config(&[
        ("ACCOUNTS_JWT_ISSUER", "https://accounts.example.com"),
        ("ACCOUNTS_JWT_AUDIENCE", "chat"),
    ])
    .unwrap();
    assert_eq!(
        c.jwt.issuer.as_deref(),
        Some("https://accounts.example.com")
    );
    assert_eq!(c.jwt.audience.as_deref(), Some("chat"));
    let err = config(&[("ACCOUNTS_JWT_AUDIENCE", "chat,media")]).unwrap_err();
    assert_eq!(err.variable, "ACCOUNTS_JWT_AUDIENCE");
    let err = config(&[("ACCOUNTS_JWT_ISSUER", r#"["a","b"]"#)]).unwrap_err();
    assert_eq!(err.variable, "ACCOUNTS_JWT_ISSUER");
}

#[test]
fn a_plain_string_has_no_space_quote_comma_bracket_or_control() {
    assert_eq!(
        plain_string("api://chat-gateway"),
        Ok("api://chat-gateway".into())
    );
    assert!(plain_string(&"a".repeat(256)).is_ok(), "at the limit");
    for bad in [
        "",
        "two words",
        "a,b",
        "\"quoted\"",
        "[x]",
        "{x}",
        "tab\there",
        "bell\u{7}",
        &"a".repeat(257),
    ] {
        assert_eq!(
            plain_string(bad),
            Err(Problem::NotAPlainString(bad.to_string())),
            "{bad:?}"
        );
    }
}

#[test]
fn keys_verify_for_the_longest_token_lifetime() {
    let c = config(&[("ACCOUNTS_ACCESS_TTL", "20d")]).unwrap();
    assert_eq!(c.key_verify_period(), Duration::from_secs(20 * 86400));
    let c = config(&[]).unwrap();
    assert_eq!(c.key_verify_period(), Duration::from_secs(10 * 86400));
}
