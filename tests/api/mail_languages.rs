//! Mail and pages in the user's language and the operator's words: the
//! locale given at registration or by `Accept-Language`, template
//! overrides, a broken template at start-up, the pages opened from a mail,
//! and the notice after a password change.

use std::path::Path;

use serde_json::json;

use crate::helpers::{
    CONFIRM_PREFIX, FailedStart, MAIL_DEADLINE, PASSWORD, RESET_PREFIX, RecordedRequest, TestApp,
    spawn_app, wait_until,
};

/// Registers `email` with extra request headers and body fields; asserts 201.
fn register_with(app: &TestApp, email: &str, headers: &[(&str, &str)], locale: Option<&str>) {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(locale) = locale {
        body["locale"] = json!(locale);
    }
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    app.request(
        "POST",
        "/api/register/",
        &all,
        Some(body.to_string().as_bytes()),
    )
    .assert_status(201);
}

/// The subject of the last mail delivered to `email`.
fn subject_to(app: &TestApp, email: &str) -> String {
    app.mail.wait_for_delivery_to(email).json()["Subject"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Waits for the "your password was changed" notice to `email`.
fn password_notice_to(app: &TestApp, email: &str) -> RecordedRequest {
    wait_until("the password notice", MAIL_DEADLINE, || {
        app.mail.deliveries_to(email).into_iter().find(|m| {
            m.json()["Subject"]
                .as_str()
                .unwrap_or("")
                .contains("password was changed")
        })
    })
}

/// Restarts `app` with the templates of `dir`, expecting it to refuse.
fn start_with_templates(app: &TestApp, dir: &Path) -> FailedStart {
    app.restart_builder()
        .env("ACCOUNTS_MAIL_TEMPLATES", dir.to_string_lossy())
        .spawn_expecting_failure()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

#[test]
fn a_user_registered_with_accept_language_de_de_gets_german_mail_and_pages() {
    let app = spawn_app();
    register_with(
        &app,
        "anna@example.com",
        &[("Accept-Language", "de-DE,de;q=0.9,en;q=0.5")],
        None,
    );

    let mail = app.mail.wait_for_delivery_to("anna@example.com");
    let subject = mail.json()["Subject"].as_str().unwrap_or("").to_owned();
    assert!(
        subject.starts_with("Bestätige deine E-Mail-Adresse"),
        "{subject}"
    );
    assert!(
        mail.json()["TextBody"]
            .as_str()
            .unwrap_or("")
            .contains("3 Tage")
    );
    let page = app.get(&app.confirmation_link("anna@example.com"));
    page.assert_html(200);
    assert!(
        page.body.contains("E-Mail-Adresse bestätigt"),
        "{}",
        page.body
    );
    assert!(page.body.contains("lang=\"de-DE\""), "{}", page.body);
}

#[test]
fn the_locale_field_wins_over_accept_language_and_a_bad_tag_is_ignored() {
    let app = spawn_app();
    register_with(
        &app,
        "anna@example.com",
        &[("Accept-Language", "en-US")],
        Some("de"),
    );
    register_with(&app, "bob@example.com", &[], Some("not a tag!"));

    assert!(subject_to(&app, "anna@example.com").starts_with("Bestätige"));
    assert!(subject_to(&app, "bob@example.com").starts_with("Confirm"));
}

#[test]
fn a_regional_locale_falls_back_to_the_operators_templates_for_its_language() {
    let app = spawn_app();
    let dir = app.dir().join("templates");
    write(
        &dir,
        &[("pt/confirm_email.subject.txt", "Confirme o seu endereço")],
    );
    let app = app
        .restart_builder()
        .env("ACCOUNTS_MAIL_TEMPLATES", dir.to_string_lossy())
        .spawn();

    register_with(&app, "ana@example.com", &[], Some("pt-BR"));
    register_with(&app, "bob@example.com", &[], Some("fr"));

    assert_eq!(
        subject_to(&app, "ana@example.com"),
        "Confirme o seu endereço"
    );
    assert!(
        subject_to(&app, "bob@example.com").starts_with("Confirm your email address"),
        "a language without templates gets the default's"
    );
}

#[test]
fn users_without_a_language_get_the_default_locale() {
    let app = TestApp::builder()
        .env("ACCOUNTS_DEFAULT_LOCALE", "de")
        .spawn();

    register_with(&app, "anna@example.com", &[], None);

    let subject = subject_to(&app, "anna@example.com");
    assert!(
        subject.starts_with("Bestätige deine E-Mail-Adresse"),
        "{subject}"
    );
}

#[test]
fn the_user_body_is_unchanged_and_the_cli_shows_the_locale() {
    let app = spawn_app();
    register_with(&app, "anna@example.com", &[], Some("pt-br"));
    let (access, _) = app.login("anna@example.com", PASSWORD);

    let body = app.current_user(&access);
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["email", "id", "is_email_confirmed", "username"]);
    let shown = app.cli().run(&["user", "show", "anna@example.com"]);
    assert!(
        shown.assert_success().contains("locale:             pt-BR"),
        "{}",
        shown.stdout
    );
    app.register("bob@example.com", PASSWORD);
    let shown = app.cli().run(&["user", "show", "bob@example.com"]);
    assert!(
        shown
            .assert_success()
            .contains("locale:             en (default)"),
        "{}",
        shown.stdout
    );
}

#[test]
fn operator_templates_change_the_subject_the_text_and_the_html() {
    let app = spawn_app();
    let dir = app.dir().join("templates");
    write(
        &dir,
        &[
            (
                "confirm_email.subject.txt",
                "Welcome to {{ product_name }}, {{ email }}",
            ),
            ("confirm_email.txt", "Tap {{ link }} or type {{ code }}"),
            (
                "confirm_email.html",
                "<p>{{ product_name }} <b>{{ username }}</b> <a href=\"{{ link }}\">go</a></p>",
            ),
        ],
    );
    let app = app
        .restart_builder()
        .env("ACCOUNTS_MAIL_TEMPLATES", dir.to_string_lossy())
        .env("ACCOUNTS_PRODUCT_NAME", "Chat & <Co>")
        .spawn();
    app.register_with_username("alice@example.com", "alice", PASSWORD);

    let mail = app.mail.wait_for_delivery_to("alice@example.com");
    let json = mail.json();
    assert_eq!(json["Subject"], "Welcome to Chat & <Co>, alice@example.com");
    assert!(
        json["TextBody"]
            .as_str()
            .unwrap()
            .starts_with("Tap http://"),
        "{json}"
    );
    assert!(
        mail.html()
            .starts_with("<p>Chat &amp; &lt;Co&gt; <b>alice</b> <a href=\"http://"),
        "{}",
        mail.html()
    );
    app.get(&app.confirmation_link("alice@example.com"))
        .assert_html(200);
}

#[test]
fn a_broken_template_stops_start_up_and_check_config_naming_the_file() {
    let app = spawn_app();
    let dir = app.dir().join("templates");
    write(
        &dir,
        &[("de/reset_password.html", "<p>{% if code %}{{ code }}</p>")],
    );
    let failed = start_with_templates(&app, &dir);
    assert!(!failed.status.success());
    let lines: Vec<&str> = failed
        .output
        .lines()
        .filter(|l| l.contains("de/reset_password.html"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", failed.output);
    assert!(
        lines[0].starts_with("accounts: ACCOUNTS_MAIL_TEMPLATES: "),
        "{}",
        lines[0]
    );

    let checked = app
        .cli()
        .env("ACCOUNTS_MAIL_TEMPLATES", dir.to_string_lossy())
        .run(&["check-config"]);
    assert!(!checked.status.success());
    assert!(
        checked.stderr.contains("de/reset_password.html"),
        "{}",
        checked.stderr
    );
}

#[test]
fn a_template_naming_an_unknown_variable_stops_start_up() {
    let app = spawn_app();
    let dir = app.dir().join("templates");
    write(&dir, &[("confirm_email.txt", "{{ link }} {{ password }}")]);
    let failed = start_with_templates(&app, &dir);
    assert!(
        failed.output.contains("unknown variable `password`"),
        "{}",
        failed.output
    );
    assert!(
        failed.output.contains("confirm_email.txt"),
        "{}",
        failed.output
    );
}

#[test]
fn pages_carry_the_product_name_and_link_back_to_the_app_only_when_set() {
    let app = TestApp::builder()
        .env("ACCOUNTS_PRODUCT_NAME", "Chat")
        .env("ACCOUNTS_APP_URL", "https://chat.example/")
        .spawn();
    app.register("alice@example.com", PASSWORD);
    let link = app.confirmation_link("alice@example.com");

    let page = app.request("GET", &link, &[("Referer", "https://evil.example/")], None);
    page.assert_html(200);
    assert!(page.body.contains("Chat"), "{}", page.body);
    assert!(
        page.body.contains("href=\"https://chat.example\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("evil.example"));
    assert!(!page.body.to_lowercase().contains("<script"));

    let plain = spawn_app();
    plain.register("alice@example.com", PASSWORD);
    let page = plain.get(&plain.confirmation_link("alice@example.com"));
    assert!(!page.body.contains("class=\"button\""), "{}", page.body);
}

#[test]
fn the_reset_form_shows_the_password_rules_posts_without_script_and_keeps_a_strict_csp() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app.request_reset_link("alice@example.com");

    let form = app.get(&link);
    form.assert_html(200);
    assert!(form.body.contains("at least 8 characters"), "{}", form.body);
    assert!(
        form.body.contains(&format!("action=\"{link}\"")),
        "{}",
        form.body
    );
    assert!(!form.body.to_lowercase().contains("<script"));
    let csp = form.header("Content-Security-Policy").unwrap_or("");
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(
        !csp.contains("script-src") && !csp.contains("unsafe"),
        "{csp}"
    );

    let done = app.post_form(&link, &[("new_password", "a-brand-new-Password-5")]);
    done.assert_html(200);
    assert!(done.body.contains("Password changed"));
}

#[test]
fn an_invalid_link_page_speaks_the_browsers_language() {
    let app = spawn_app();
    let page = app.request(
        "GET",
        &format!("{RESET_PREFIX}{}/", "0".repeat(64)),
        &[("Accept-Language", "de")],
        None,
    );
    page.assert_html(400);
    assert!(page.body.contains("ungültig"), "{}", page.body);
    let page = app.get(&format!("{CONFIRM_PREFIX}{}/", "0".repeat(64)));
    assert!(
        page.body.contains("invalid or has expired"),
        "{}",
        page.body
    );
}

#[test]
fn a_password_change_mails_a_notice_without_a_link() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("alice@example.com");

    app.send_json_with_bearer(
        "PUT",
        "/api/user/change-password/",
        &access,
        &json!({"oldPassword": PASSWORD, "newPassword": "a-brand-new-Password-5"}),
    )
    .assert_status(200);

    let notice = password_notice_to(&app, "alice@example.com");
    let text = notice.json()["TextBody"].as_str().unwrap_or("").to_owned();
    assert!(text.contains("UTC"), "the time: {text}");
    assert!(!text.contains("/api/"), "no link that acts: {text}");
    assert!(!notice.html().contains("/api/"));
}

#[test]
fn a_reset_mails_a_notice() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app.request_reset_link("alice@example.com");
    app.post_form(&link, &[("new_password", "a-brand-new-Password-5")])
        .assert_html(200);

    password_notice_to(&app, "alice@example.com");
}
