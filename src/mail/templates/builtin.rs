//! The built-in templates, compiled into the binary: every mail and page in
//! English (`en`, the last fallback of every lookup) and German (`de`).

macro_rules! builtin {
    ($($locale:literal => [$($file:literal),* $(,)?]),* $(,)?) => {
        [$($(($locale, $file, include_str!(concat!($locale, "/", $file))),)*)*]
    };
}

/// `(locale, file, source)` of every built-in template.
pub static BUILTIN: &[(&str, &str, &str)] = &builtin![
    "en" => [
        "confirm_email.subject.txt", "confirm_email.txt", "confirm_email.html",
        "reset_password.subject.txt", "reset_password.txt", "reset_password.html",
        "change_email.subject.txt", "change_email.txt", "change_email.html",
        "password_changed.subject.txt", "password_changed.txt", "password_changed.html",
        "email_changed.subject.txt", "email_changed.txt", "email_changed.html",
        "test.subject.txt", "test.txt", "test.html",
        "confirm_done.html", "confirm_invalid.html", "reset_form.html", "reset_done.html",
        "reset_invalid.html"
    ],
    "de" => [
        "confirm_email.subject.txt", "confirm_email.txt", "confirm_email.html",
        "reset_password.subject.txt", "reset_password.txt", "reset_password.html",
        "change_email.subject.txt", "change_email.txt", "change_email.html",
        "password_changed.subject.txt", "password_changed.txt", "password_changed.html",
        "email_changed.subject.txt", "email_changed.txt", "email_changed.html",
        "test.subject.txt", "test.txt", "test.html",
        "confirm_done.html", "confirm_invalid.html", "reset_form.html", "reset_done.html",
        "reset_invalid.html"
    ]
];

/// The locale every lookup ends with: each template exists in it.
pub const LAST_RESORT: &str = "en";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::kinds::template_files;

    #[test]
    fn every_template_is_built_in_for_each_locale() {
        for locale in ["en", "de"] {
            for (file, _) in template_files() {
                assert!(
                    BUILTIN.iter().any(|(l, f, _)| *l == locale && *f == file),
                    "no built-in {locale}/{file}"
                );
            }
        }
    }
}
