//! The few HTML pages a person sees after following a link from a mail:
//! the confirmation result, the password-reset form and its result. They
//! are rendered from the same overridable templates as the mails
//! ([`Templates`](crate::mail::templates::Templates)), in the user's
//! language (or, without a user, the request's `Accept-Language`), with no
//! script.
//!
//! The Content-Security-Policy is `default-src 'none'` and allows exactly
//! the style sheets the rendered page holds, by hash, so an operator's
//! template may bring its own `<style>` and still nothing else loads.

use base64::Engine;
use minijinja::Value;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::domain::User;
use crate::domain::locale::Locale;
use crate::domain::password::MIN_PASSWORD_CHARS;
use crate::http::response::Reply;
use crate::mail::kinds::{self, Page};
use crate::mail::templates::Recipient;

/// Who the page is for: the link's user when it has one, else the
/// language the browser asks for.
pub struct Viewer<'a> {
    pub user: Option<&'a User>,
    pub accept_language: Option<&'a str>,
}

pub fn confirm_done(app: &App, viewer: &Viewer<'_>, already_confirmed: bool) -> Reply {
    let values = [("already_confirmed", Value::from(already_confirmed))];
    render(app, 200, &kinds::CONFIRM_DONE, viewer, &values)
}

pub fn confirm_invalid(app: &App, viewer: &Viewer<'_>) -> Reply {
    render(app, 400, &kinds::CONFIRM_INVALID, viewer, &[])
}

/// The form posting a new password back to `action`, with the problems of
/// a refused one (then answered 400).
pub fn reset_form(app: &App, viewer: &Viewer<'_>, action: &str, problems: &[&str]) -> Reply {
    let status = if problems.is_empty() { 200 } else { 400 };
    let errors: Vec<Value> = problems.iter().map(|p| Value::from(*p)).collect();
    let values = [
        ("action", Value::from(action)),
        ("errors", Value::from(errors)),
        ("min_length", Value::from(MIN_PASSWORD_CHARS)),
    ];
    render(app, status, &kinds::RESET_FORM, viewer, &values)
}

pub fn reset_done(app: &App, viewer: &Viewer<'_>) -> Reply {
    render(app, 200, &kinds::RESET_DONE, viewer, &[])
}

pub fn reset_invalid(app: &App, viewer: &Viewer<'_>) -> Reply {
    render(app, 400, &kinds::RESET_INVALID, viewer, &[])
}

fn render(
    app: &App,
    status: u16,
    page: &'static Page,
    viewer: &Viewer<'_>,
    values: &[(&'static str, Value)],
) -> Reply {
    let recipient = viewer.user.map(|u| Recipient {
        email: &u.email,
        username: u.username.as_deref(),
        locale: u.locale.as_ref(),
    });
    let browser = viewer
        .accept_language
        .and_then(Locale::from_accept_language);
    let html = app
        .templates
        .page(page, recipient.as_ref(), browser.as_ref(), values);
    let csp = csp_for(&html);
    Reply::html(status, html, csp)
}

/// `default-src 'none'` plus the hash of each `<style>` element of `html`;
/// forms post back to us, nothing frames the page.
pub fn csp_for(html: &str) -> String {
    let hashes: Vec<String> = style_sheets(html)
        .map(|css| {
            let digest = Sha256::digest(css.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let style = if hashes.is_empty() {
        String::new()
    } else {
        format!(" style-src {};", hashes.join(" "))
    };
    format!(
        "default-src 'none';{style} form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The text of every `<style>...</style>` element (a template's own markup:
/// values rendered into it are escaped, so they cannot close it).
fn style_sheets(html: &str) -> impl Iterator<Item = &str> {
    html.split("<style>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</style>").map(|(css, _)| css))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_pages_style_sheets() {
        let css = "body{color:red}";
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()));
        let csp = csp_for(&format!("<head><style>{css}</style></head><p>x</p>"));
        assert_eq!(
            csp,
            format!(
                "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'"
            )
        );
    }

    #[test]
    fn a_page_without_style_allows_none() {
        assert_eq!(
            csp_for("<p>plain</p>"),
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
    }
}
