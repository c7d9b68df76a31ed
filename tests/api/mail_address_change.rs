//! The mails of an address change, rendered like every other mail: the link
//! to the new address (`change_email`) and the notice to the old one
//! (`email_changed`), each with a subject, a text and an HTML part, in the
//! user's language, and replaceable by the operator's templates.

use std::path::Path;

use serde_json::json;

use crate::helpers::{
    CONFIRM_PREFIX, MAIL_DEADLINE, PASSWORD, RecordedRequest, TestApp, spawn_app, wait_until,
};

const OLD: &str = "anna@example.com";
const NEW: &str = "nova@example.net";
const MASKED: &str = "n\u{2022}\u{2022}\u{2022}@example.net";

/// Registers `OLD` with `locale`, logs in and asks to move to `NEW`;
/// returns the mail that reached the new address.
fn ask_for_change(app: &TestApp, locale: &str) -> RecordedRequest {
    app.post_json(
        "/api/register/",
        &json!({"email": OLD, "password": PASSWORD, "locale": locale}),
    )
    .assert_status(201);
    let (access, _) = app.login(OLD, PASSWORD);
    app.send_json_with_bearer(
        "POST",
        "/api/user/change-email/",
        &access,
        &json!({"password": PASSWORD, "new_email": NEW}),
    )
    .assert_status(200);
    app.mail.wait_for_delivery_to(NEW)
}

/// Follows the change link of `mail` and waits for the notice to `OLD`
/// (the mail after its confirmation mail).
fn follow_and_wait_for_notice(app: &TestApp, mail: &RecordedRequest) -> RecordedRequest {
    let link = mail.confirmation_link();
    let path = &link[link.find(CONFIRM_PREFIX).expect("a confirmation link")..];
    app.get(path).assert_html(200);
    wait_until("the notice to the old address", MAIL_DEADLINE, || {
        app.mail.deliveries_to(OLD).into_iter().nth(1)
    })
}

fn subject(mail: &RecordedRequest) -> String {
    mail.json()["Subject"].as_str().unwrap_or("").to_owned()
}

fn text(mail: &RecordedRequest) -> String {
    mail.json()["TextBody"].as_str().unwrap_or("").to_owned()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

#[test]
fn the_change_link_mail_has_a_subject_a_text_and_an_html_part_with_its_link() {
    let app = TestApp::builder()
        .env("ACCOUNTS_PRODUCT_NAME", "Chat")
        .spawn();

    let mail = ask_for_change(&app, "en");

    assert_eq!(subject(&mail), "Confirm your new email address for Chat");
    let link = mail.confirmation_link();
    assert!(text(&mail).contains(&link), "{}", text(&mail));
    let html = mail.html();
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(html.contains("Chat") && html.contains(NEW), "{html}");
    assert!(!html.to_lowercase().contains("<script"), "{html}");
}

#[test]
fn the_change_link_mail_and_its_page_speak_the_users_language() {
    let app = spawn_app();

    let mail = ask_for_change(&app, "de");

    assert!(
        subject(&mail).starts_with("Bestätige deine neue E-Mail-Adresse"),
        "{}",
        subject(&mail)
    );
    assert!(text(&mail).contains("3 Tage"), "{}", text(&mail));
    assert!(mail.html().contains("lang=\"de\""), "{}", mail.html());
    let link = mail.confirmation_link();
    let page = app.get(&link[link.find(CONFIRM_PREFIX).unwrap()..]);
    page.assert_html(200);
    assert!(page.body.contains("lang=\"de\""), "{}", page.body);
}

#[test]
fn the_notice_to_the_old_address_speaks_the_users_language_in_both_parts() {
    let app = spawn_app();
    let mail = ask_for_change(&app, "de");

    let notice = follow_and_wait_for_notice(&app, &mail);

    assert!(
        subject(&notice).starts_with("Deine E-Mail-Adresse bei"),
        "{}",
        subject(&notice)
    );
    for (part, body) in [("text", text(&notice)), ("html", notice.html())] {
        assert!(body.contains(MASKED), "{part}: {body}");
        assert!(
            !body.contains(NEW),
            "{part}: the new address is masked: {body}"
        );
        assert!(body.contains("UTC"), "{part}: the time: {body}");
        assert!(!body.contains("/api/"), "{part}: no link that acts: {body}");
    }
}

#[test]
fn operator_templates_replace_the_change_link_mail_and_the_notice() {
    let app = spawn_app();
    let dir = app.dir().join("templates");
    write(
        &dir,
        &[
            (
                "change_email.subject.txt",
                "{{ product_name }}: new address?",
            ),
            ("change_email.txt", "Open {{ link }} within {{ valid_for }}"),
            (
                "change_email.html",
                "<a href=\"{{ link }}\">{{ email }}</a>",
            ),
            ("email_changed.subject.txt", "Now {{ new_email_masked }}"),
            ("email_changed.txt", "Changed {{ changed_at }}"),
            (
                "email_changed.html",
                "<p>{{ email }} {{ new_email_masked }}</p>",
            ),
        ],
    );
    let app = app
        .restart_builder()
        .env("ACCOUNTS_MAIL_TEMPLATES", dir.to_string_lossy())
        .env("ACCOUNTS_PRODUCT_NAME", "Chat & <Co>")
        .spawn();

    let mail = ask_for_change(&app, "en");
    let notice = follow_and_wait_for_notice(&app, &mail);

    assert_eq!(subject(&mail), "Chat & <Co>: new address?");
    assert!(text(&mail).starts_with("Open http://"), "{}", text(&mail));
    assert!(text(&mail).ends_with(" within 3 days\n"), "{}", text(&mail));
    assert!(
        mail.html().ends_with(&format!("\">{NEW}</a>")),
        "{}",
        mail.html()
    );
    assert_eq!(subject(&notice), format!("Now {MASKED}"));
    assert!(text(&notice).starts_with("Changed 2"), "{}", text(&notice));
    assert_eq!(notice.html(), format!("<p>{OLD} {MASKED}</p>"));
}

#[test]
fn mail_preview_renders_both_kinds_of_an_address_change() {
    let app = spawn_app();

    let link = app.cli().run(&["mail", "preview", "change_email"]);
    let notice = app.cli().run(&[
        "mail",
        "preview",
        "email_changed",
        "--locale",
        "de",
        "--html",
    ]);

    let link = link.assert_success();
    assert!(
        link.starts_with("Subject: Confirm your new email address"),
        "{link}"
    );
    assert!(link.contains("/api/confirm-email/"), "{link}");
    let notice = notice.assert_success();
    assert!(notice.contains("lang=\"de\""), "{notice}");
    assert!(notice.contains(MASKED), "{notice}");
}
