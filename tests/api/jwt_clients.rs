//! Real JWT libraries verify the service's tokens through the JWKS URL
//! alone, as the other services of the product do: PyJWT's `PyJWKClient`
//! (`tests/clients/pyjwt_verify.py`) and jose's `createRemoteJWKSet`
//! (`tests/js/jose_verify.mjs`), for EdDSA and ES256, before and after a
//! rotation, and no longer once the old key is retired.
//!
//! `.ci/run` installs both (PyJWT into `.ci/tools/venv`, jose into
//! `tests/js/node_modules`). Without them these tests say so on stderr and
//! pass, unless `ACCOUNTS_TEST_REQUIRE_JWT_CLIENTS=1` (set by CI).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::helpers::{Cli, PASSWORD, TestApp, access_claims, kid_of, wait_until};

/// One JWT library, run as a script over a list of tokens.
struct Client {
    name: &'static str,
    program: PathBuf,
    script: PathBuf,
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Says loudly (past the test harness's capture) that a client is missing,
/// or fails when CI requires the clients.
fn missing(what: &str) -> Option<Client> {
    let required = std::env::var("ACCOUNTS_TEST_REQUIRE_JWT_CLIENTS").is_ok_and(|v| v == "1");
    assert!(!required, "{what} (run .ci/run to install it)");
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED a real-client JWT check: {what}; .ci/run installs it"
    );
    None
}

/// PyJWT with its crypto extra: `$ACCOUNTS_TEST_PYTHON`, `.ci/tools/venv`, or
/// the `python3` on the PATH, whichever imports both.
fn pyjwt() -> Option<Client> {
    let candidates = [
        std::env::var_os("ACCOUNTS_TEST_PYTHON").map(PathBuf::from),
        Some(manifest_dir().join(".ci/tools/venv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    let program = candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import jwt, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    match program {
        Some(program) => Some(Client {
            name: "PyJWT",
            program,
            script: manifest_dir().join("tests/clients/pyjwt_verify.py"),
        }),
        None => missing("PyJWT[crypto] is not installed"),
    }
}

/// jose from `tests/js/node_modules`, run by the `node` on the PATH.
fn jose() -> Option<Client> {
    let installed = manifest_dir()
        .join("tests/js/node_modules/jose/package.json")
        .exists();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed && node {
        Some(Client {
            name: "jose",
            program: PathBuf::from("node"),
            script: manifest_dir().join("tests/js/jose_verify.mjs"),
        })
    } else {
        missing("node or jose (tests/js/node_modules) is not installed")
    }
}

impl Client {
    /// Verifies each token against the JWKS URL: `Ok(user_id)` or
    /// `Err(why)`, in order.
    fn verify(&self, jwks_url: &str, tokens: &[&str]) -> Vec<Result<i64, String>> {
        let output = Command::new(&self.program)
            .arg(&self.script)
            .arg(jwks_url)
            .args(tokens)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.name));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{} failed: {}\n{stdout}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let results: Vec<Result<i64, String>> = stdout
            .lines()
            .map(|line| match line.strip_prefix("ok ") {
                Some(claims) => {
                    let claims: serde_json::Value = serde_json::from_str(claims).unwrap();
                    claims["user_id"]
                        .as_i64()
                        .ok_or(format!("no user_id in {claims}"))
                }
                None => Err(line.to_owned()),
            })
            .collect();
        assert_eq!(results.len(), tokens.len(), "{}: {stdout}", self.name);
        results
    }

    /// Asserts that every token verifies as `user_id`'s.
    fn assert_accepts(&self, jwks_url: &str, tokens: &[&str], user_id: i64, when: &str) {
        for (i, result) in self.verify(jwks_url, tokens).into_iter().enumerate() {
            assert_eq!(result, Ok(user_id), "{} {when}, token {i}", self.name);
        }
    }
}

/// Both clients, or none when either is missing (and allowed to be).
fn clients() -> Option<[Client; 2]> {
    Some([pyjwt()?, jose()?])
}

/// The rotation story with real clients, for `alg`.
fn verify_across_a_rotation(alg: &str) {
    let Some(clients) = clients() else { return };
    let ttl = "15s";
    let app = TestApp::builder()
        .algorithm(alg)
        .env("ACCOUNTS_ACCESS_TTL", ttl)
        .env("ACCOUNTS_REFRESH_TTL", ttl)
        .spawn();
    let jwks_url = app.url("/.well-known/jwks.json");
    let (id, before, _) = app.user_with_tokens("client@example.com");
    let old = kid_of(&before);
    for client in &clients {
        client.assert_accepts(&jwks_url, &[&before], id, "before the rotation");
    }
    // Valid for an hour, so only the old key's retirement can refuse it.
    let header = json!({"alg": alg, "typ": "JWT", "kid": old});
    let long_lived = app.sign_with_ring_key(&old, &header, &access_claims(id));

    let cli = [
        ("ACCOUNTS_JWT_ALGORITHM", alg),
        ("ACCOUNTS_KEY_PUBLISH_AHEAD", "2s"),
        ("ACCOUNTS_ACCESS_TTL", ttl),
        ("ACCOUNTS_REFRESH_TTL", ttl),
    ]
    .iter()
    .fold(app.cli(), |cli: Cli, (k, v)| cli.env(k, *v));
    cli.run(&["keys", "rotate"]).assert_success();
    let after = wait_until("the new key to sign", Duration::from_secs(60), || {
        let (access, _) = app.login("client@example.com", PASSWORD);
        (kid_of(&access) != old).then_some(access)
    });
    for client in &clients {
        client.assert_accepts(&jwks_url, &[&before, &after], id, "after the rotation");
    }

    app.wait_until_published(&old, false);
    assert_eq!(app.get_with_bearer("/api/user/", &long_lived).status, 401);
    let (fresh, _) = app.login("client@example.com", PASSWORD);
    for client in &clients {
        let results = client.verify(&jwks_url, &[&long_lived, &fresh]);
        assert!(
            results[0].is_err(),
            "{} after pruning: {results:?}",
            client.name
        );
        assert_eq!(results[1], Ok(id), "{} after pruning", client.name);
    }
}

#[test]
fn pyjwt_and_jose_verify_eddsa_tokens_across_a_rotation() {
    verify_across_a_rotation("EdDSA");
}

#[test]
fn pyjwt_and_jose_verify_es256_tokens_across_a_rotation() {
    verify_across_a_rotation("ES256");
}

#[test]
fn pyjwt_and_jose_refuse_an_hs256_token_made_with_the_public_key() {
    let Some(clients) = clients() else { return };
    let app = crate::helpers::spawn_with_algorithm("EdDSA");
    let (id, access, _) = app.user_with_tokens("confused@example.com");
    let jwks = app.get("/.well-known/jwks.json").body;
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid_of(&access)});
    let forged = crate::helpers::sign_raw(&header, &access_claims(id), |message| {
        use base64::Engine;
        let signature = jsonwebtoken::crypto::sign(
            message,
            &jsonwebtoken::EncodingKey::from_secret(jwks.as_bytes()),
            jsonwebtoken::Algorithm::HS256,
        )
        .unwrap();
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .unwrap()
    });
    let jwks_url = app.url("/.well-known/jwks.json");
    for client in &clients {
        let results = client.verify(&jwks_url, &[&access, &forged]);
        assert_eq!(results[0], Ok(id), "{}", client.name);
        assert!(results[1].is_err(), "{}: {results:?}", client.name);
    }
}
