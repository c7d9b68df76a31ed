//! The table of what the service renders from templates: each kind of mail
//! and each page a person opens from a mail is declared here once, with the
//! variables its templates may use. The built-in templates, the check of an
//! operator's templates at start-up, `accounts mail preview` and the
//! README's template table (kept in step by a test) all come from it.
//!
//! A mail kind has three templates, `<kind>.subject.txt`, `<kind>.txt` and
//! `<kind>.html`; a page has one, `<page>.html`.

/// Variables every mail and page template may use.
pub const COMMON_VARIABLES: &[&str] = &["product_name", "app_url", "email", "username", "locale"];

/// A kind of mail the service sends.
#[derive(Debug)]
pub struct MailKind {
    /// Machine name: the outbox's `kind` and the templates' file prefix.
    pub name: &'static str,
    /// When it is sent, for the README and `mail preview`.
    pub about: &'static str,
    /// Variables of this kind beyond [`COMMON_VARIABLES`].
    pub variables: &'static [&'static str],
}

/// A page a person opens from a mail.
#[derive(Debug)]
pub struct Page {
    /// Machine name and template file stem.
    pub name: &'static str,
    /// When it is shown, for the README.
    pub about: &'static str,
    /// Variables of this page beyond [`COMMON_VARIABLES`].
    pub variables: &'static [&'static str],
}

pub const CONFIRM_EMAIL: MailKind = MailKind {
    name: "confirm_email",
    about: "After registration and on `POST /api/resend-confirmation/`: the confirmation link and code.",
    variables: &["link", "code", "valid_for"],
};

pub const RESET_PASSWORD: MailKind = MailKind {
    name: "reset_password",
    about: "On `POST /api/password-reset/`: the reset link and code.",
    variables: &["link", "code", "valid_for"],
};

pub const CHANGE_EMAIL: MailKind = MailKind {
    name: "change_email",
    about: "On `POST /api/user/change-email/`, to the new address: the link that makes the change.",
    variables: &["link", "valid_for"],
};

pub const PASSWORD_CHANGED: MailKind = MailKind {
    name: "password_changed",
    about: "After a password change or reset: a notice, with no link that acts.",
    variables: &["changed_at"],
};

pub const EMAIL_CHANGED: MailKind = MailKind {
    name: "email_changed",
    about: "To the old address once an address change is made: a notice, with the new address masked and no link that acts.",
    variables: &["new_email_masked", "changed_at"],
};

pub const TEST_MAIL: MailKind = MailKind {
    name: "test",
    about: "`accounts mail test ADDRESS`: checks the provider.",
    variables: &[],
};

/// Every kind of mail, in the README's order.
pub static MAIL_KINDS: &[MailKind] = &[
    CONFIRM_EMAIL,
    RESET_PASSWORD,
    CHANGE_EMAIL,
    PASSWORD_CHANGED,
    EMAIL_CHANGED,
    TEST_MAIL,
];

pub const CONFIRM_DONE: Page = Page {
    name: "confirm_done",
    about: "A confirmation link that worked (or had already worked).",
    variables: &["already_confirmed", "page_style"],
};

pub const CONFIRM_INVALID: Page = Page {
    name: "confirm_invalid",
    about: "An unknown, replaced or expired confirmation link.",
    variables: &["page_style"],
};

pub const RESET_FORM: Page = Page {
    name: "reset_form",
    about: "The form of a reset link, and again with the problems of a refused password.",
    variables: &["action", "errors", "min_length", "page_style"],
};

pub const RESET_DONE: Page = Page {
    name: "reset_done",
    about: "The form's password was set.",
    variables: &["page_style"],
};

pub const RESET_INVALID: Page = Page {
    name: "reset_invalid",
    about: "An unknown, used or expired reset link.",
    variables: &["page_style"],
};

/// Every page, in the README's order.
pub static PAGES: &[Page] = &[
    CONFIRM_DONE,
    CONFIRM_INVALID,
    RESET_FORM,
    RESET_DONE,
    RESET_INVALID,
];

/// The kind named `name`.
pub fn mail_kind(name: &str) -> Option<&'static MailKind> {
    MAIL_KINDS.iter().find(|k| k.name == name)
}

/// Every template file name, with the variables it may use.
pub fn template_files() -> impl Iterator<Item = (String, &'static [&'static str])> {
    let mails = MAIL_KINDS.iter().flat_map(|k| {
        ["subject.txt", "txt", "html"].map(|part| (format!("{}.{part}", k.name), k.variables))
    });
    let pages = PAGES
        .iter()
        .map(|p| (format!("{}.html", p.name), p.variables));
    mails.chain(pages)
}

/// The README's row for a mail kind or a page: its files, its variables
/// beyond the common ones, and when it is used.
pub fn readme_row(files: &[String], variables: &[&str], about: &str) -> String {
    let files: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
    let variables: Vec<String> = variables.iter().map(|v| format!("`{v}`")).collect();
    let variables = if variables.is_empty() {
        "none".to_string()
    } else {
        variables.join(", ")
    };
    format!("| {} | {variables} | {about} |", files.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's template table, row for row, as the table declares it.
    #[test]
    fn the_readme_template_table_matches_the_kinds_and_pages() {
        let readme = include_str!("../../README.md");
        let mails = MAIL_KINDS.iter().map(|k| {
            let files = ["subject.txt", "txt", "html"].map(|p| format!("{}.{p}", k.name));
            readme_row(&files, k.variables, k.about)
        });
        let pages = PAGES
            .iter()
            .map(|p| readme_row(&[format!("{}.html", p.name)], p.variables, p.about));
        let declared: Vec<String> = mails.chain(pages).collect();
        let documented: Vec<&str> = readme
            .lines()
            .filter(|l| {
                l.starts_with("| `")
                    && l.split(" | ")
                        .next()
                        .is_some_and(|files| files.ends_with(".html`"))
            })
            .collect();
        assert!(
            documented == declared,
            "the README's template rows should read:\n{}",
            declared.join("\n")
        );
    }
}
