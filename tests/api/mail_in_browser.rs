//! The HTML part of a mail opened in a real browser (Debian's chromium,
//! headless): it renders to a screenshot, holds no script, and its button
//! leads to the confirmation link.
//!
//! Without chromium the test skips, loudly, unless
//! `ACCOUNTS_TEST_REQUIRE_BROWSER=1` (CI) makes that a failure.

use std::path::Path;
use std::process::Command;

use crate::helpers::{PASSWORD, spawn_app};

/// `chromium`, or `None` after a loud message when it is missing and not
/// required.
fn chromium() -> Option<&'static str> {
    let found = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("ACCOUNTS_TEST_REQUIRE_BROWSER").is_err(),
            "chromium is required (Debian package chromium; .ci/run installs it)"
        );
        eprintln!("\n!!! chromium is not installed: SKIPPING the mail-in-a-browser test !!!\n");
        return None;
    }
    Some("chromium")
}

/// Runs headless chromium on `page` with `args`; returns stdout.
fn headless(browser: &str, page: &Path, args: &[&str]) -> String {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_html_part_renders_without_script_and_its_button_is_the_confirmation_link() {
    let Some(browser) = chromium() else {
        return;
    };
    let app = spawn_app();
    app.register_with_username("alice@example.com", "alice", PASSWORD);
    let mail = app.mail.wait_for_delivery_to("alice@example.com");
    let link = mail.confirmation_link();
    let page = app.dir().join("mail.html");
    std::fs::write(&page, mail.html()).unwrap();

    let screenshot = app.dir().join("mail.png");
    headless(
        browser,
        &page,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=600,900",
        ],
    );
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 1000,
        "{} bytes",
        png.len()
    );

    let dom = headless(browser, &page, &["--dump-dom"]);
    assert!(!dom.to_lowercase().contains("<script"), "{dom}");
    let button = dom
        .split("<a ")
        .skip(1)
        .find(|a| a.contains("Confirm email address"))
        .expect("a button");
    let href = button
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the button's href")
        .replace("&amp;", "&");
    assert_eq!(href, link);
}
