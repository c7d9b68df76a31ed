//! The text of the mails the service sends.

/// One message, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Short machine name of the message kind, kept after the body is erased.
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
}

pub fn confirmation(to: &str, link: &str, valid_for_secs: u64) -> Mail {
    Mail {
        kind: "confirm_email",
        to: to.to_string(),
        subject: "Confirm your email address".into(),
        text: format!(
            "Hello,\n\nplease confirm your email address by opening this link:\n\n{link}\n\n\
             The link works for {}. If you did not create an account, ignore this message.\n",
            human_duration(valid_for_secs)
        ),
    }
}

pub fn password_reset(to: &str, link: &str, valid_for_secs: u64) -> Mail {
    Mail {
        kind: "reset_password",
        to: to.to_string(),
        subject: "Reset your password".into(),
        text: format!(
            "Hello,\n\nsomeone asked to reset the password of the account with this address.\n\
             To choose a new password, open this link:\n\n{link}\n\n\
             The link works once, for {}. If you did not ask for it, ignore this message: \
             your password stays as it is.\n",
            human_duration(valid_for_secs)
        ),
    }
}

/// To the new address of an address change: the link that makes the change.
pub fn email_change(to: &str, link: &str, valid_for_secs: u64) -> Mail {
    Mail {
        kind: "change_email",
        to: to.to_string(),
        subject: "Confirm your new email address".into(),
        text: format!(
            "Hello,\n\nsomeone asked to use this address for their account.\n\
             To confirm it, open this link:\n\n{link}\n\n\
             The link works once, for {}. Until it is opened the account keeps its \
             old address. If you did not ask for this, ignore this message.\n",
            human_duration(valid_for_secs)
        ),
    }
}

/// To the old address once an address change is made: what happened, and
/// what to do if it was not its owner.
pub fn email_changed(to: &str, new_address_masked: &str) -> Mail {
    Mail {
        kind: "email_changed",
        to: to.to_string(),
        subject: "Your email address was changed".into(),
        text: format!(
            "Hello,\n\nthe email address of your account was changed from this address \
             to {new_address_masked}. Every device was signed out, and mail about the \
             account (password resets included) now goes to the new address.\n\n\
             If you did not make this change, someone who knows your password has \
             taken over the account: contact the people who run this service at once, \
             quoting this message.\n"
        ),
    }
}

/// "3 days", "1 hour", "90 seconds".
pub fn human_duration(secs: u64) -> String {
    let (n, unit) = match secs {
        s if s >= 86400 && s % 86400 == 0 => (s / 86400, "day"),
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(3 * 86400), "3 days");
        assert_eq!(human_duration(3600), "1 hour");
        assert_eq!(human_duration(90), "90 seconds");
    }

    #[test]
    fn the_change_notice_names_the_new_address_as_given() {
        let m = email_changed("old@example.com", "n\u{2022}\u{2022}\u{2022}@example.com");
        assert_eq!(m.to, "old@example.com");
        assert!(m.text.contains("to n\u{2022}\u{2022}\u{2022}@example.com."));
        assert!(m.text.contains("If you did not make this change"));
    }

    #[test]
    fn the_link_is_in_the_body() {
        let m = confirmation("a@example.com", "http://x/api/confirm-email/abc/", 86400);
        assert!(m.text.contains("http://x/api/confirm-email/abc/"));
        assert!(m.text.contains("1 day"));
    }
}
