use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn defaults_are_safe_and_complete() {
    let c = config(&[]).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8000");
    assert_eq!(c.public_url, "http://127.0.0.1:8000");
    let days = |n: u64| Duration::from_secs(n * 86400);
    assert_eq!(
        (c.access_ttl, c.refresh_ttl, c.confirm_ttl),
        (days(1), days(10), days(3))
    );
    assert_eq!(c.bcrypt_cost, 12);
    assert_eq!(c.mail.provider, MailProvider::Log);
    assert!(!c.rotate_refresh);
    assert!(!c.cookie.secure);
    assert!(c.throttle.enabled);
}

#[test]
fn every_setting_is_declared_once_under_the_accounts_prefix() {
    for (i, setting) in SETTINGS.iter().enumerate() {
        assert!(setting.name.starts_with("ACCOUNTS_"), "{}", setting.name);
        assert!(
            SETTINGS[..i].iter().all(|s| s.name != setting.name),
            "{} is declared twice",
            setting.name
        );
    }
}

/// Every non-secret line of `check-config`, written back into the
/// environment, reads as the same setting: what it prints can be pasted.
#[test]
fn check_config_output_reads_back_as_the_same_settings() {
    let original = config(&[
        ("ACCOUNTS_LISTEN", "[::1]:9000"),
        ("ACCOUNTS_PUBLIC_URL", "https://e.com/"),
        ("ACCOUNTS_ACCESS_TTL", "15m"),
        ("ACCOUNTS_HASH_THREADS", "3"),
        ("ACCOUNTS_MAIL_PROVIDER", "POSTMARK"),
        ("ACCOUNTS_MAIL_API_KEY", "key"),
        ("ACCOUNTS_MAIL_API_URL", "http://relay/"),
        ("ACCOUNTS_MAILGUN_DOMAIN", "MG.example.com"),
        ("ACCOUNTS_MAILGUN_REGION", "EU"),
        ("ACCOUNTS_MAIL_CA_FILE", "/etc/accounts/relay.pem"),
        ("ACCOUNTS_MAIL_FROM", "Chat <noreply@chat.example>"),
        ("ACCOUNTS_MAIL_TEMPLATES", "/etc/accounts/templates"),
        ("ACCOUNTS_PRODUCT_NAME", "Chat"),
        ("ACCOUNTS_DEFAULT_LOCALE", "pt-br"),
        ("ACCOUNTS_APP_URL", "https://chat.example/"),
        ("ACCOUNTS_CONFIRM_REDIRECT", "https://app/x"),
        ("ACCOUNTS_COOKIE_SAMESITE", "strict"),
        ("ACCOUNTS_CORS_ORIGINS", "https://a.com, http://b:8"),
        ("ACCOUNTS_THROTTLE", "0"),
        ("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", " 3 / 1d "),
        ("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1, ::1,10.0.0.0/8"),
        ("ACCOUNTS_METRICS_LISTEN", "127.0.0.1:9464"),
        ("ACCOUNTS_LOG_FORMAT", "JSON"),
    ])
    .unwrap();
    let secrets: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.is_secret())
        .map(|s| s.name)
        .collect();
    let printed = original.describe();
    let written: Vec<(&str, &str)> = printed
        .iter()
        .filter(|(name, _)| !secrets.contains(name))
        .map(|(name, value)| (*name, value.as_str()))
        .chain([("ACCOUNTS_MAIL_API_KEY", "key")])
        .collect();
    assert_eq!(config(&written).unwrap().describe(), printed);
}

#[test]
fn an_empty_value_means_the_computed_default() {
    let c = config(&[
        ("ACCOUNTS_HASH_THREADS", "3"),
        ("ACCOUNTS_HASH_QUEUE", ""),
        ("ACCOUNTS_PUBLIC_URL", ""),
        ("ACCOUNTS_MAIL_API_URL", ""),
        ("ACCOUNTS_CONFIRM_REDIRECT", ""),
    ])
    .unwrap();
    assert_eq!(c.hash_queue, 12);
    assert_eq!(c.public_url, "http://127.0.0.1:8000");
    assert_eq!((c.mail.api_url, c.confirm_redirect), (None, None));
}

#[test]
fn a_bad_value_names_its_variable() {
    let err = config(&[("ACCOUNTS_ACCESS_TTL", "soon")]).unwrap_err();
    assert_eq!(err.variable, "ACCOUNTS_ACCESS_TTL");
    assert_eq!(
        err.to_string(),
        "ACCOUNTS_ACCESS_TTL: expected seconds or a number with s, m, h or d (such as 15m), \
         got \"soon\""
    );
}

#[test]
fn bcrypt_cost_is_bounded_from_4_to_31() {
    assert!(config(&[("ACCOUNTS_BCRYPT_COST", "3")]).is_err());
    assert!(config(&[("ACCOUNTS_BCRYPT_COST", "32")]).is_err());
    assert_eq!(
        config(&[("ACCOUNTS_BCRYPT_COST", "4")])
            .unwrap()
            .bcrypt_cost,
        4
    );
}

#[test]
fn a_short_secret_key_is_refused_without_echoing_it() {
    let err = config(&[("ACCOUNTS_SECRET_KEY", "hunter2-hunter2")]).unwrap_err();
    assert_eq!(err.variable, "ACCOUNTS_SECRET_KEY");
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn the_secret_key_is_used_byte_for_byte_and_other_values_are_trimmed() {
    let key = " 0123456789abcdef0123456789abcdef ";
    let c = config(&[("ACCOUNTS_SECRET_KEY", key), ("ACCOUNTS_WORKERS", " 7 ")]).unwrap();
    assert_eq!(c.secret_key.unwrap().expose(), key.as_bytes());
    assert_eq!(c.workers, 7);
}

#[test]
fn check_config_shows_no_secret_value() {
    let marker = "a-secret-value-that-must-never-be-shown";
    // The SMTP URL's secret is its password.
    let smtp_url = format!("smtp://user:{marker}@mail.example.com");
    let secrets: Vec<(&str, &str)> = SETTINGS
        .iter()
        .filter(|s| s.is_secret())
        .map(|s| match s.name {
            "ACCOUNTS_SMTP_URL" => (s.name, smtp_url.as_str()),
            _ => (s.name, marker),
        })
        .collect();
    assert!(
        secrets.len() >= 3,
        "the signing key, the SMTP URL and the mail API key"
    );
    let described = config(&secrets).unwrap().describe();
    for (name, value) in described {
        assert!(!value.contains(marker), "{name}={value}");
        if secrets.iter().any(|(secret, _)| *secret == name) {
            assert_eq!(value, REDACTED, "{name}");
        }
    }
}

#[test]
fn https_public_url_makes_the_cookie_secure_and_drops_the_trailing_slash() {
    let c = config(&[("ACCOUNTS_PUBLIC_URL", "https://chat.example.com/")]).unwrap();
    assert_eq!(c.public_url, "https://chat.example.com");
    assert!(c.cookie.secure);
}

#[test]
fn samesite_none_forces_secure() {
    let c = config(&[
        ("ACCOUNTS_COOKIE_SAMESITE", "None"),
        ("ACCOUNTS_COOKIE_SECURE", "false"),
    ])
    .unwrap();
    assert!(c.cookie.secure);
}

#[test]
fn each_provider_needs_its_own_settings() {
    let cases = [
        (
            vec![("ACCOUNTS_MAIL_PROVIDER", "smtp")],
            "ACCOUNTS_SMTP_URL",
        ),
        (
            vec![("ACCOUNTS_MAIL_PROVIDER", "resend")],
            "ACCOUNTS_MAIL_API_KEY",
        ),
        (
            vec![("ACCOUNTS_MAIL_PROVIDER", "sendgrid")],
            "ACCOUNTS_MAIL_API_KEY",
        ),
        (
            vec![
                ("ACCOUNTS_MAIL_PROVIDER", "mailgun"),
                ("ACCOUNTS_MAIL_API_KEY", "key"),
            ],
            "ACCOUNTS_MAILGUN_DOMAIN",
        ),
    ];
    for (vars, variable) in cases {
        let err = config(&vars).unwrap_err();
        assert_eq!(err.variable, variable, "{vars:?}");
    }
    let smtp = config(&[
        ("ACCOUNTS_MAIL_PROVIDER", "smtp"),
        ("ACCOUNTS_SMTP_URL", "smtps://u:p@mail.example.com"),
    ]);
    assert!(smtp.is_ok());
}

#[test]
fn an_unknown_provider_is_refused() {
    let err = config(&[("ACCOUNTS_MAIL_PROVIDER", "carrier-pigeon")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ACCOUNTS_MAIL_PROVIDER: expected one of: log, smtp, postmark, resend, sendgrid, mailgun"
    );
}

#[test]
fn the_sender_may_carry_a_display_name() {
    let c = config(&[("ACCOUNTS_MAIL_FROM", "Chat <noreply@chat.example>")]).unwrap();
    assert_eq!(c.mail.from, "Chat <noreply@chat.example>");
    let err = config(&[("ACCOUNTS_MAIL_FROM", "Chat")]).unwrap_err();
    assert_eq!(err.variable, "ACCOUNTS_MAIL_FROM");
}

#[test]
fn postmark_needs_an_api_key() {
    let err = config(&[("ACCOUNTS_MAIL_PROVIDER", "postmark")]).unwrap_err();
    assert_eq!(err.variable, "ACCOUNTS_MAIL_API_KEY");
    let blank = config(&[
        ("ACCOUNTS_MAIL_PROVIDER", "Postmark"),
        ("ACCOUNTS_MAIL_API_KEY", " "),
    ]);
    assert_eq!(blank.unwrap_err().variable, "ACCOUNTS_MAIL_API_KEY");
}

#[test]
fn unknown_variables_are_listed_not_fatal() {
    let unknown = Config::unknown_variables([
        "ACCOUNTS_FUTURE".to_string(),
        "ACCOUNTS_DB".to_string(),
        "HOME".to_string(),
    ]);
    assert_eq!(unknown, vec!["ACCOUNTS_FUTURE".to_string()]);
    assert!(config(&[("ACCOUNTS_FUTURE", "x")]).is_ok());
}

/// The README's configuration table, row for row, as the settings declare it.
#[test]
fn the_readme_configuration_table_matches_the_settings() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a Configuration section");
    let documented: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| `ACCOUNTS_"))
        .collect();
    let declared: Vec<String> = SETTINGS
        .iter()
        .map(|s| format!("| `{}` | {} | {} |", s.name, s.documented_default(), s.help))
        .collect();
    assert!(
        documented == declared,
        "the README's rows of ACCOUNTS_* settings should read:\n{}",
        declared.join("\n")
    );
}

/// `systemd/accounts.env.example` names every setting, and where it shows a
/// fixed default commented out, that is the built-in one.
#[test]
fn the_example_environment_file_lists_every_setting_with_its_default() {
    let example = include_str!("../../systemd/accounts.env.example");
    for setting in SETTINGS {
        let line = example
            .lines()
            .map(|l| l.trim_start_matches('#'))
            .find(|l| l.starts_with(&format!("{}=", setting.name)));
        let Some(line) = line else {
            panic!(
                "systemd/accounts.env.example has no line for {0}; add its help and \
                 #{0}=<default>",
                setting.name
            );
        };
        let commented_out = example.contains(&format!("#{line}"));
        if let (true, Fallback::Text(default)) = (commented_out, setting.default) {
            let declared = format!("{}={default}", setting.name);
            assert_eq!(line, declared, "accounts.env.example shows another default");
        }
    }
}

#[test]
fn an_empty_database_path_is_refused() {
    for value in ["", "  "] {
        let err = config(&[("ACCOUNTS_DB", value)]).unwrap_err();
        assert_eq!(err.variable, "ACCOUNTS_DB", "{value:?}");
    }
}
