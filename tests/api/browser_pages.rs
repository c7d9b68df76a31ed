//! The pages a person opens from a mail, in a real browser (Debian's
//! headless Chromium): the confirmed page loads with no console error and
//! no CSP violation; the reset form works with JavaScript off; the reset
//! page fits a phone. Screenshots go into the test's temporary directory
//! (and into `ACCOUNTS_TEST_SCREENSHOT_DIR` when set, to refresh the
//! README's pictures). Assertions are about behaviour, not pixels.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::helpers::{Browser, PASSWORD, TestApp, spawn_app};

const NEW_PASSWORD: &str = "a-brand-new-Password-5";

/// Where a screenshot goes: the test's temporary directory.
fn screenshot(app: &TestApp, name: &str) -> PathBuf {
    app.dir().join(name)
}

/// Copies a screenshot to `ACCOUNTS_TEST_SCREENSHOT_DIR`, if set.
fn keep_screenshot(path: &Path) {
    assert!(path.exists(), "the browser saved {}", path.display());
    if let Some(dir) = std::env::var_os("ACCOUNTS_TEST_SCREENSHOT_DIR") {
        let name = path.file_name().expect("a file name");
        std::fs::copy(path, Path::new(&dir).join(name)).expect("copy the screenshot");
    }
}

fn assert_clean(report: &Value) {
    for key in ["console_errors", "page_errors", "csp_violations"] {
        assert_eq!(report[key], json!([]), "{key} in {report:#}");
    }
}

fn logs_in(app: &TestApp, email: &str, password: &str) -> bool {
    app.post_json(
        "/api/token/",
        &json!({"email": email, "password": password}),
    )
    .status
        == 200
}

#[test]
fn the_confirmation_link_shows_the_confirmed_page_with_no_console_error_and_no_csp_violation() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let app = spawn_app();
    app.register("ann@example.com", PASSWORD);
    let link = app.confirmation_link("ann@example.com");
    let shot = screenshot(&app, "confirmed.png");

    let report = browser.run(
        "open",
        json!({"url": app.url(&link), "screenshot": shot}),
        app.dir(),
    );

    assert_eq!(report["status"], 200, "{report:#}");
    assert_eq!(report["h1"], "Email address confirmed", "{report:#}");
    assert_clean(&report);
    keep_screenshot(&shot);
}

#[test]
fn the_reset_form_works_with_javascript_off_and_the_new_password_then_logs_in() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let app = spawn_app();
    app.register("bob@example.com", PASSWORD);
    let link = app.request_reset_link("bob@example.com");
    let (form, done) = (
        screenshot(&app, "reset-form.png"),
        screenshot(&app, "reset-done.png"),
    );

    let report = browser.run(
        "reset",
        json!({
            "url": app.url(&link),
            "password": NEW_PASSWORD,
            "form_screenshot": form,
            "done_screenshot": done,
        }),
        app.dir(),
    );

    assert_eq!(report["form_title"], "Choose a new password", "{report:#}");
    assert_eq!(report["h1"], "Password changed", "{report:#}");
    assert_eq!(report["console_errors"], json!([]), "{report:#}");
    assert!(logs_in(&app, "bob@example.com", NEW_PASSWORD));
    assert!(!logs_in(&app, "bob@example.com", PASSWORD));
    keep_screenshot(&form);
    keep_screenshot(&done);
}

#[test]
fn the_reset_page_fits_a_phone_screen() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let app = spawn_app();
    app.register("cat@example.com", PASSWORD);
    let link = app.request_reset_link("cat@example.com");
    let shot = screenshot(&app, "reset-phone.png");
    let phone = 360;

    let report = browser.run(
        "open",
        json!({
            "url": app.url(&link),
            "screenshot": shot,
            "width": phone,
            "height": 740,
            "mobile": true,
        }),
        app.dir(),
    );

    assert_eq!(report["inner_width"], phone, "{report:#}");
    assert!(
        report["scroll_width"].as_i64() <= Some(phone),
        "no sideways scrolling: {report:#}"
    );
    for control in ["input_box", "button_box"] {
        let b = &report[control];
        let (x, width) = (
            b["x"].as_f64().unwrap_or(-1.0),
            b["width"].as_f64().unwrap_or(0.0),
        );
        assert!(
            x >= 0.0 && x + width <= phone as f64,
            "{control} is on screen: {report:#}"
        );
        assert!(
            b["height"].as_f64() >= Some(24.0),
            "{control} can be tapped: {report:#}"
        );
    }
    assert!(
        report["input_box"]["width"].as_f64() >= Some(phone as f64 * 0.6),
        "the password field uses the width: {report:#}"
    );
    assert_clean(&report);
    keep_screenshot(&shot);
}
