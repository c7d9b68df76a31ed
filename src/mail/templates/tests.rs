//! Rendering, lookup by locale and the checks of an operator's templates.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::*;
use crate::config::Config;
use crate::mail::kinds::{CONFIRM_DONE, CONFIRM_EMAIL, MAIL_KINDS, PASSWORD_CHANGED};

/// A fresh directory for an operator's templates.
fn template_dir(files: &[(&str, &str)]) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "accounts-templates-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn templates(dir: Option<&Path>, default_locale: &str) -> Result<Templates, TemplateError> {
    let mut vars = vec![
        ("ACCOUNTS_PRODUCT_NAME".to_owned(), "Chat".to_owned()),
        (
            "ACCOUNTS_DEFAULT_LOCALE".to_owned(),
            default_locale.to_owned(),
        ),
    ];
    if let Some(dir) = dir {
        vars.push((
            "ACCOUNTS_MAIL_TEMPLATES".to_owned(),
            dir.display().to_string(),
        ));
    }
    Templates::load(&Config::from_vars(vars).unwrap().mail)
}

fn link_values() -> MailValues {
    MailValues {
        link: Some("https://a.example/api/confirm-email/abc/?x=1&y=2".into()),
        code: Some("ABCD-EFGH".into()),
        valid_for_secs: Some(3 * 86400),
        changed_at: Some(0),
        new_email_masked: Some("n\u{2022}\u{2022}\u{2022}@example.net".into()),
    }
}

fn to<'a>(username: Option<&'a str>, locale: Option<&'a Locale>) -> Recipient<'a> {
    Recipient {
        email: "alice@example.com",
        username,
        locale,
    }
}

#[test]
fn every_built_in_mail_has_a_subject_text_and_html_naming_the_product() {
    let t = templates(None, "en").unwrap();
    for kind in MAIL_KINDS {
        let mail = t.mail(kind, &to(None, None), &link_values());
        assert!(
            mail.subject.contains("Chat"),
            "{}: {}",
            kind.name,
            mail.subject
        );
        assert!(!mail.subject.contains('\n'));
        assert!(
            mail.text.contains("Chat") || kind.name == "test",
            "{}",
            kind.name
        );
        let html = mail.html.unwrap();
        assert!(html.contains("Chat"), "{}", kind.name);
        assert!(!html.to_lowercase().contains("<script"), "{}", kind.name);
        assert!(!html.to_lowercase().contains("<img"), "{}", kind.name);
    }
}

/// What each variable of `link_values` reads as in a mail of `language`.
fn rendered_value(variable: &str, language: &str) -> &'static str {
    match (variable, language) {
        ("link", _) => "https://a.example/api/confirm-email/abc/",
        ("code", _) => "ABCD-EFGH",
        ("valid_for", "de") => "3 Tage",
        ("valid_for", _) => "3 days",
        ("changed_at", _) => "1970-01-01 00:00 UTC",
        ("new_email_masked", _) => "n\u{2022}\u{2022}\u{2022}@example.net",
        _ => panic!("no sample for `{variable}`"),
    }
}

#[test]
fn every_built_in_mail_in_every_language_shows_each_value_of_its_kind_in_both_parts() {
    let t = templates(None, "en").unwrap();
    for language in ["en", "de"] {
        let locale = Locale::parse(language).unwrap();
        for kind in MAIL_KINDS {
            let mail = t.mail(kind, &to(None, Some(&locale)), &link_values());
            let html = mail.html.unwrap();
            assert!(
                html.contains(&format!("lang=\"{language}\"")),
                "{language}/{}",
                kind.name
            );
            for variable in kind.variables {
                let value = rendered_value(variable, language);
                for (part, body) in [("txt", &mail.text), ("html", &html)] {
                    assert!(
                        body.contains(value),
                        "{language}/{}.{part} does not show `{variable}`: {body}",
                        kind.name
                    );
                }
            }
        }
    }
}

#[test]
fn the_confirmation_mail_carries_the_link_the_code_and_how_long_they_work() {
    let t = templates(None, "en").unwrap();
    let mail = t.mail(&CONFIRM_EMAIL, &to(Some("alice"), None), &link_values());
    assert!(
        mail.text
            .contains("https://a.example/api/confirm-email/abc/?x=1&y=2")
    );
    assert!(mail.text.contains("ABCD-EFGH"));
    assert!(mail.text.contains("3 days"));
    let html = mail.html.unwrap();
    assert!(html.contains("href=\"https://a.example/api/confirm-email/abc/?x=1&amp;y=2\""));
}

#[test]
fn values_are_escaped_in_html_and_not_in_text() {
    let t = templates(None, "en").unwrap();
    let mail = t.mail(
        &CONFIRM_EMAIL,
        &to(Some("<b>al&ice</b>"), None),
        &link_values(),
    );
    assert!(mail.text.contains("<b>al&ice</b>"));
    let html = mail.html.unwrap();
    assert!(html.contains("&lt;b&gt;al&amp;ice&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>al"));
}

#[test]
fn a_german_user_gets_german_mail_and_a_regional_tag_falls_back_to_its_language() {
    let t = templates(None, "en").unwrap();
    let de_at = Locale::parse("de-AT").unwrap();
    let mail = t.mail(&CONFIRM_EMAIL, &to(None, Some(&de_at)), &link_values());
    assert!(mail.subject.starts_with("Bestätige"), "{}", mail.subject);
    assert!(mail.text.contains("3 Tage"), "{}", mail.text);
    let fr = Locale::parse("fr").unwrap();
    let mail = t.mail(&CONFIRM_EMAIL, &to(None, Some(&fr)), &link_values());
    assert!(mail.subject.starts_with("Confirm"), "{}", mail.subject);
}

#[test]
fn the_default_locale_applies_to_users_without_one() {
    let t = templates(None, "de").unwrap();
    let mail = t.mail(&PASSWORD_CHANGED, &to(None, None), &link_values());
    assert!(mail.subject.contains("geändert"), "{}", mail.subject);
    assert!(mail.text.contains("1970-01-01 00:00 UTC"));
}

#[test]
fn operator_files_replace_single_parts_per_locale_with_fallback_to_the_language() {
    let dir = template_dir(&[
        (
            "confirm_email.subject.txt",
            "Welcome to {{ product_name }}!",
        ),
        (
            "pt/confirm_email.subject.txt",
            "Bem-vindo ao {{ product_name }}",
        ),
        ("pt/confirm_email.txt", "Abra {{ link }} ou use {{ code }}"),
    ]);
    let t = templates(Some(&dir), "en").unwrap();
    let mail = t.mail(&CONFIRM_EMAIL, &to(None, None), &link_values());
    assert_eq!(mail.subject, "Welcome to Chat!");
    assert!(mail.text.contains("please confirm"), "built-in text kept");
    let pt_br = Locale::parse("pt-BR").unwrap();
    let mail = t.mail(&CONFIRM_EMAIL, &to(None, Some(&pt_br)), &link_values());
    assert_eq!(mail.subject, "Bem-vindo ao Chat");
    assert!(
        mail.text.starts_with("Abra https://a.example/"),
        "{}",
        mail.text
    );
    let de = Locale::parse("de").unwrap();
    let mail = t.mail(&CONFIRM_EMAIL, &to(None, Some(&de)), &link_values());
    assert!(
        mail.subject.starts_with("Bestätige"),
        "the built-in German comes first"
    );
}

#[test]
fn an_unknown_variable_stops_loading_and_names_the_file() {
    let dir = template_dir(&[("de/reset_password.txt", "{{ link }} {{ secret_sauce }}")]);
    let err = templates(Some(&dir), "en").err().expect("refused");
    assert!(err.file.ends_with("de/reset_password.txt"), "{}", err.file);
    assert!(err.reason.contains("secret_sauce"), "{}", err.reason);
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn a_variable_of_another_kind_is_unknown_too() {
    let dir = template_dir(&[("password_changed.txt", "{{ link }}")]);
    let err = templates(Some(&dir), "en").err().expect("refused");
    assert!(err.reason.contains("`link`"), "{}", err.reason);
}

#[test]
fn a_template_that_does_not_parse_stops_loading_and_names_the_file() {
    let dir = template_dir(&[("confirm_email.html", "<p>{% if code %}{{ code }}</p>\n")]);
    let err = templates(Some(&dir), "en").err().expect("refused");
    assert!(err.file.ends_with("confirm_email.html"), "{}", err.file);
    assert!(err.to_string().starts_with("ACCOUNTS_MAIL_TEMPLATES: "));
    assert!(!err.to_string().contains('\n'), "{err}");
}

#[test]
fn unknown_files_and_directories_are_ignored() {
    let dir = template_dir(&[("README.md", "{{ nonsense"), ("not a tag/x.txt", "x")]);
    assert!(templates(Some(&dir), "en").is_ok());
}

#[test]
fn a_missing_directory_stops_loading() {
    let err = templates(Some(Path::new("/nonexistent/templates")), "en")
        .err()
        .expect("refused");
    assert!(err.file.contains("/nonexistent/templates"));
}

#[test]
fn pages_carry_the_product_the_style_and_a_link_to_the_app_when_set() {
    let t = templates(None, "en").unwrap();
    let page = t.page(
        &CONFIRM_DONE,
        Some(&to(None, None)),
        None,
        &[("already_confirmed", Value::from(false))],
    );
    assert!(page.contains("<title>Email address confirmed</title>"));
    assert!(page.contains("Chat"));
    assert!(page.contains(PAGE_STYLE));
    assert!(!page.contains("<a class=\"button\""), "no app URL, no link");
}
