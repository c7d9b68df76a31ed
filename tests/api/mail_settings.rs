//! Bad mail settings stop start-up with one line naming the variable, and
//! never echo a password or a key.

use crate::helpers::TestApp;

/// Starts a server with `vars`, expects it to refuse, and returns the one
/// output line naming `variable`.
fn refusal(vars: &[(&str, &str)], variable: &str) -> String {
    let mut builder = TestApp::builder();
    for (key, value) in vars {
        builder = builder.env(key, *value);
    }
    let failed = builder.spawn_expecting_failure();
    let case = format!("{vars:?}");
    assert!(!failed.status.success(), "{case} was accepted");
    let lines: Vec<&str> = failed
        .output
        .lines()
        .filter(|l| l.contains(variable))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{case}: one line naming {variable}:\n{}",
        failed.output
    );
    assert!(
        !failed.output.contains("hunter2"),
        "{case}: the password was echoed:\n{}",
        failed.output
    );
    lines[0].to_owned()
}

#[test]
fn an_unknown_provider_stops_start_up() {
    let line = refusal(
        &[("ACCOUNTS_MAIL_PROVIDER", "pigeon")],
        "ACCOUNTS_MAIL_PROVIDER",
    );
    assert!(
        line.contains("smtp, postmark, resend, sendgrid, mailgun"),
        "{line}"
    );
}

#[test]
fn an_smtp_url_without_a_host_stops_start_up_without_echoing_the_password() {
    refusal(
        &[
            ("ACCOUNTS_MAIL_PROVIDER", "smtp"),
            ("ACCOUNTS_SMTP_URL", "smtp://user:hunter2@"),
        ],
        "ACCOUNTS_SMTP_URL",
    );
}

#[test]
fn plain_smtp_to_another_machine_stops_start_up() {
    let line = refusal(
        &[
            ("ACCOUNTS_MAIL_PROVIDER", "smtp"),
            (
                "ACCOUNTS_SMTP_URL",
                "smtp://user:hunter2@mail.example.com:25?tls=none",
            ),
        ],
        "ACCOUNTS_SMTP_URL",
    );
    assert!(line.contains("loopback"), "{line}");
}

#[test]
fn smtp_without_its_url_stops_start_up() {
    refusal(&[("ACCOUNTS_MAIL_PROVIDER", "smtp")], "ACCOUNTS_SMTP_URL");
}

#[test]
fn an_http_provider_without_its_key_stops_start_up() {
    for provider in ["resend", "sendgrid", "mailgun", "postmark"] {
        let line = TestApp::builder()
            .env("ACCOUNTS_MAIL_PROVIDER", provider)
            .env("ACCOUNTS_MAILGUN_DOMAIN", "mg.example.com")
            .without_env("ACCOUNTS_MAIL_API_KEY")
            .spawn_expecting_failure()
            .output;
        assert!(
            line.contains(&format!(
                "ACCOUNTS_MAIL_API_KEY: required when ACCOUNTS_MAIL_PROVIDER is {provider}"
            )),
            "{provider}: {line}"
        );
    }
}

#[test]
fn mailgun_without_its_domain_stops_start_up() {
    refusal(
        &[("ACCOUNTS_MAIL_PROVIDER", "mailgun")],
        "ACCOUNTS_MAILGUN_DOMAIN",
    );
}

#[test]
fn an_unreadable_ca_file_stops_start_up() {
    let line = refusal(
        &[("ACCOUNTS_MAIL_CA_FILE", "/nonexistent/mail-ca.pem")],
        "ACCOUNTS_MAIL_CA_FILE",
    );
    assert!(line.contains("/nonexistent/mail-ca.pem"), "{line}");
}
