//! The few HTML pages a person sees: after following a confirmation link,
//! and the password-reset form. Small, self-contained, no script; the one
//! style sheet is allowed by its hash in the Content-Security-Policy.

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;\
color:#222;line-height:1.5}h1{font-size:1.4rem}input{font-size:1rem;padding:.4rem;width:100%;\
box-sizing:border-box;margin:.5rem 0}button{font-size:1rem;padding:.5rem 1rem}.error{color:#a00}";

/// `default-src 'none'` plus the page's own style sheet; forms post back to us.
pub const CSP: &str = "default-src 'none'; style-src 'sha256-GxLFqmLJ7Oa4eo4x/wydDYweQCUROswhuHTu0r02O6s='; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page with a title and paragraphs of already-escaped HTML.
fn page(title: &str, body_html: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1>{body_html}</body></html>\n",
        title = escape(title)
    )
}

pub fn email_confirmed() -> String {
    page(
        "Email address confirmed",
        "<p>Thank you: your email address is confirmed. You can close this page.</p>",
    )
}

pub fn email_already_confirmed() -> String {
    page(
        "Email address already confirmed",
        "<p>Your email address is already confirmed. You can close this page.</p>",
    )
}

pub fn confirmation_link_invalid() -> String {
    page(
        "This link is invalid or has expired",
        "<p>The confirmation link is unknown, was replaced by a newer one, or has expired. \
         Sign in to the app to ask for a new one.</p>",
    )
}

pub fn reset_form(token: &str, problems: &[&str]) -> String {
    let errors: String = problems
        .iter()
        .map(|p| format!("<p class=\"error\">{}</p>", escape(p)))
        .collect();
    page(
        "Choose a new password",
        &format!(
            "{errors}<form method=\"post\" action=\"/api/password-reset/{token}/\">\
             <label for=\"new_password\">New password</label>\
             <input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" \
             required minlength=\"8\" autofocus><button type=\"submit\">Set password</button></form>",
            token = escape(token)
        ),
    )
}

pub fn reset_done() -> String {
    page(
        "Password changed",
        "<p>Your password has been reset. You can now sign in with it.</p>",
    )
}

pub fn reset_link_invalid() -> String {
    page(
        "This link is invalid or has expired",
        "<p>The password-reset link is unknown, was already used, or has expired. Ask for a new one from the app.</p>",
    )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_policy_allows_exactly_our_style_sheet() {
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
        assert!(
            CSP.contains(&format!("'sha256-{hash}'")),
            "update CSP to sha256-{hash}"
        );
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }
}
