//! Email addresses as the service stores and compares them.

use std::fmt;

use super::lookup_key;

/// A syntactically valid address: trimmed, domain lower-cased, at most 254
/// characters. `key()` is the NFKC-normalised, case-folded form that
/// uniqueness and look-ups compare ([`lookup_key`]), so `Bob@Example.com`,
/// `bob@example.com` and `bob@ｅxample.com` (a full-width `ｅ`) are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
    key: String,
}

/// Why a value is not an acceptable address; `message()` is the text clients see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing but whitespace.
    Blank,
    /// Longer than 254 characters (the limit of an SMTP path).
    TooLong,
    /// Not an address by Django's `EmailValidator` rules.
    Invalid,
}

impl EmailError {
    pub fn message(self) -> &'static str {
        match self {
            EmailError::Blank => "This field may not be blank.",
            EmailError::TooLong => "Ensure this field has no more than 254 characters.",
            EmailError::Invalid => "Enter a valid email address.",
        }
    }
}

/// The longest address accepted, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Blank);
        }
        if trimmed.chars().count() > MAX_EMAIL_CHARS {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Invalid)?;
        if !is_dot_atom(local) || !is_domain(domain) {
            return Err(EmailError::Invalid);
        }
        let address = format!("{local}@{}", domain.to_lowercase());
        let key = lookup_key(&address);
        Ok(Email { address, key })
    }

    /// The address as stored and shown.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The normalised, case-folded form used for uniqueness and look-ups.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The address with all of its local part but the first character
    /// hidden (`n•••@example.com`): enough for its owner to recognise it in
    /// a notice mailed elsewhere, too little for anyone else to use it.
    pub fn masked(&self) -> String {
        let (local, domain) = self
            .address
            .rsplit_once('@')
            .unwrap_or((self.address.as_str(), ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}\u{2022}\u{2022}\u{2022}@{domain}")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

/// RFC 5322 dot-atom with ASCII atext, as Django accepts (quoted local parts
/// are refused: no mail provider we target handles them well).
fn is_dot_atom(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

/// Host names as Django's `DomainNameValidator` accepts them (Unicode letters
/// allowed for internationalised domains), plus `localhost`.
fn is_domain(domain: &str) -> bool {
    if domain == "localhost" {
        return true;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return false;
    }
    let label_ok = |label: &str| {
        let n = label.chars().count();
        (1..=63).contains(&n)
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let (tld, rest) = labels.split_last().expect("at least two labels");
    rest.iter().all(|l| label_ok(l))
        && label_ok(tld)
        && (tld.starts_with("xn--")
            || (tld.chars().count() >= 2 && tld.chars().all(|c| c.is_alphabetic() || c == '-')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_address_keeps_the_first_character_and_the_domain() {
        let masked = |raw: &str| Email::parse(raw).unwrap().masked();
        assert_eq!(
            masked("new.name@Example.com"),
            "n\u{2022}\u{2022}\u{2022}@example.com"
        );
        assert_eq!(
            masked("x@example.com"),
            "x\u{2022}\u{2022}\u{2022}@example.com"
        );
    }

    #[test]
    fn trims_and_lowercases_only_the_domain() {
        let e = Email::parse("  John.Doe@Example.COM \n").unwrap();
        assert_eq!(e.as_str(), "John.Doe@example.com");
        assert_eq!(e.key(), "john.doe@example.com");
    }

    #[test]
    fn keys_fold_width_and_compatibility_forms_like_usernames() {
        let wide = Email::parse("X@\u{ff45}xample.COM").unwrap();
        assert_eq!(wide.key(), "x@example.com");
        assert_eq!(wide.as_str(), "X@\u{ff45}xample.com", "shown as typed");
        let ligature = Email::parse("x@\u{fb01}le.org").unwrap();
        assert_eq!(ligature.key(), "x@file.org");
    }

    #[test]
    fn accepts_common_shapes() {
        for ok in [
            "user@gmail.com",
            "a+tag@sub.example.co.uk",
            "x@localhost",
            "o'neil@example.org",
            "u@bücher.de",
            "u@xn--bcher-kva.de",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok:?} should be accepted");
        }
    }

    #[test]
    fn refuses_what_django_refuses() {
        for bad in [
            "plainaddress",
            "@example.com",
            "user@",
            "user@example",
            "user@-example.com",
            "user@example.c",
            "us er@example.com",
            "user..dot@example.com",
            ".user@example.com",
            "user@exam_ple.com",
            "user@example.com\0",
            "\"quoted\"@example.com",
            "user@example.123",
            "user@@example.com",
        ] {
            assert_eq!(
                Email::parse(bad),
                Err(EmailError::Invalid),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn blank_is_its_own_error() {
        assert_eq!(Email::parse("   "), Err(EmailError::Blank));
    }

    #[test]
    fn the_length_limit_is_254_characters() {
        let labels = [
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(63),
            "e".repeat(56),
        ]
        .join(".");
        let at_limit = format!("a@{labels}.com");
        assert_eq!(at_limit.chars().count(), MAX_EMAIL_CHARS);
        assert!(Email::parse(&at_limit).is_ok());
        assert_eq!(
            Email::parse(&format!("a{at_limit}")),
            Err(EmailError::TooLong)
        );
    }
}
