//! `GET /.well-known/jwks.json` and `/api/jwks/`: the public keys that
//! verify the service's tokens, cacheable for five minutes, never a secret.

use serde_json::json;

use crate::helpers::{
    ASYMMETRIC, PASSWORD, kid_of, spawn_app, spawn_with_algorithm, verify_with_jwks,
};

#[test]
fn with_hs256_alone_the_key_set_is_empty() {
    let app = spawn_app();
    for path in ["/.well-known/jwks.json", "/api/jwks/", "/api/jwks"] {
        let response = app.get(path);
        response.assert_json(200, json!({"keys": []}));
        assert_eq!(
            response.header("Cache-Control"),
            Some("public, max-age=300"),
            "{path}"
        );
    }
}

#[test]
fn an_eddsa_key_is_published_with_the_fields_of_rfc_7517() {
    let app = spawn_with_algorithm("EdDSA");
    let keys = app.jwks()["keys"].clone();
    assert_eq!(keys.as_array().map(Vec::len), Some(1), "{keys}");
    let key = &keys[0];
    let names: Vec<&str> = key
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, ["kty", "crv", "x", "kid", "alg", "use"], "{key}");
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"], &key["use"]),
        (
            &json!("OKP"),
            &json!("Ed25519"),
            &json!("EdDSA"),
            &json!("sig")
        )
    );
    assert_eq!(key["x"].as_str().map(str::len), Some(43));
}

#[test]
fn an_es256_key_is_published_with_both_coordinates() {
    let app = spawn_with_algorithm("ES256");
    let key = app.jwks()["keys"][0].clone();
    let names: Vec<&str> = key
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        ["kty", "crv", "x", "y", "kid", "alg", "use"],
        "{key}"
    );
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"]),
        (&json!("EC"), &json!("P-256"), &json!("ES256"))
    );
}

#[test]
fn the_published_key_verifies_the_services_tokens() {
    for alg in ASYMMETRIC {
        let app = spawn_with_algorithm(alg);
        let (_, access, refresh) = app.user_with_tokens("jwks@example.com");
        let jwks = app.jwks();
        assert_eq!(kid_of(&access), jwks["keys"][0]["kid"], "{alg}");
        for token in [&access, &refresh] {
            let claims = verify_with_jwks(&jwks, token).unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(claims["user_id"], 1);
        }
    }
}

#[test]
fn the_key_set_never_holds_a_private_key() {
    for alg in ASYMMETRIC {
        let app = spawn_with_algorithm(alg);
        let body = app.get("/api/jwks/").body;
        let ring = app.keyring().to_string();
        let pem = ring
            .split("PRIVATE KEY-----\\n")
            .nth(1)
            .expect("a PEM in the ring");
        let base64_of_key = &pem[..40];
        assert!(!body.contains(base64_of_key), "{alg}: {body}");
        assert!(!body.contains("\"d\""), "{alg}: {body}");
        assert!(!body.contains("PRIVATE"), "{alg}: {body}");
    }
}

#[test]
fn head_and_options_answer_as_on_every_route() {
    let app = spawn_with_algorithm("EdDSA");
    let head = app.head("/.well-known/jwks.json");
    head.assert_status(200);
    assert_eq!(head.body, "");
    assert_eq!(head.header("Cache-Control"), Some("public, max-age=300"));
    let options = app.request("OPTIONS", "/api/jwks/", &[], None);
    options.assert_status(204);
    assert_eq!(options.header("Allow"), Some("GET, HEAD, OPTIONS"));
    let post = app.post_json("/.well-known/jwks.json", &json!({}));
    post.assert_status(405);
    assert_eq!(post.header("Allow"), Some("GET, HEAD, OPTIONS"));
}

#[test]
fn other_responses_stay_uncacheable() {
    let app = spawn_with_algorithm("EdDSA");
    app.register("nostore@example.com", PASSWORD);
    let token = app.post_json(
        "/api/token/",
        &json!({"email": "nostore@example.com", "password": PASSWORD}),
    );
    assert_eq!(token.header("Cache-Control"), Some("no-store"));
}
