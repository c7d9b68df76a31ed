//! The headers every response carries (`nosniff`, `no-referrer`,
//! `no-store` on tokens) and the strict policy of the HTML pages.

use crate::helpers::{PASSWORD, spawn_app};

#[test]
fn every_response_carries_nosniff_and_no_referrer() {
    let app = spawn_app();
    let (access, _) = {
        app.register("headers@example.com", PASSWORD);
        app.login("headers@example.com", PASSWORD)
    };
    let responses = [
        app.get("/health"),
        app.get("/nowhere"),
        app.get_with_bearer("/api/user/", &access),
        app.post_form(
            "/api/token/",
            &[("email", "headers@example.com"), ("password", PASSWORD)],
        ),
        app.get("/api/confirm-email/0000/"),
        app.request("OPTIONS", "/api/user/", &[], None),
        app.request("PATCH", "/api/user/", &[], None),
    ];
    for r in &responses {
        assert_eq!(
            r.header("X-Content-Type-Options"),
            Some("nosniff"),
            "{} {}",
            r.method,
            r.path
        );
        assert_eq!(
            r.header("Referrer-Policy"),
            Some("no-referrer"),
            "{} {}",
            r.method,
            r.path
        );
    }
    assert_eq!(responses[2].header("Cache-Control"), Some("no-store"));
    assert_eq!(responses[3].header("Cache-Control"), Some("no-store"));
}

#[test]
fn html_pages_carry_a_strict_csp_and_deny_framing() {
    let app = spawn_app();
    let page = app.get("/api/confirm-email/0000/");
    page.assert_html(400);
    let csp = page.header("Content-Security-Policy").expect("a CSP");
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    assert!(!page.body.contains("<script"), "no script on the page");
}
