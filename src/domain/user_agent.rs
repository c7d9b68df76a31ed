//! The `User-Agent` a login is recorded with, so a person can tell their
//! devices apart in the list of their logins.
//!
//! The header is the client's to write, so it is cleaned before it is
//! stored: control characters (and the invisible ones that reorder text)
//! become spaces, so the value is safe to show in a list, a terminal or a
//! log line, and it is cut to [`MAX_USER_AGENT_CHARS`].

/// The most characters of a user agent that are kept.
pub const MAX_USER_AGENT_CHARS: usize = 256;

/// A cleaned user agent; `None` inside when the client sent none (or only
/// blanks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAgent(Option<String>);

impl UserAgent {
    /// Cleans a header value as received (`None`: no header).
    pub fn parse(raw: Option<&str>) -> UserAgent {
        let Some(raw) = raw else {
            return UserAgent(None);
        };
        let cleaned: String = raw
            .chars()
            .map(|c| if is_unsafe(c) { ' ' } else { c })
            .collect();
        let kept: String = cleaned.trim().chars().take(MAX_USER_AGENT_CHARS).collect();
        let kept = kept.trim_end();
        UserAgent((!kept.is_empty()).then(|| kept.to_string()))
    }

    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// Control characters, and the format characters that change how the text
/// around them is displayed (bidirectional overrides and isolates, zero-width
/// marks), which could make one device look like another.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(raw: &str) -> Option<String> {
        UserAgent::parse(Some(raw)).as_str().map(str::to_string)
    }

    #[test]
    fn an_ordinary_user_agent_is_kept_as_sent() {
        let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(cleaned(ua).as_deref(), Some(ua));
    }

    #[test]
    fn no_header_or_only_blanks_is_no_user_agent() {
        assert_eq!(UserAgent::parse(None).as_str(), None);
        assert_eq!(cleaned(""), None);
        assert_eq!(cleaned(" \t "), None);
        assert_eq!(cleaned("\u{1}\u{7f}"), None);
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(
            cleaned("curl\u{1b}[31m/8\r\nX-Injected: 1\u{0}").as_deref(),
            Some("curl [31m/8  X-Injected: 1")
        );
        assert_eq!(cleaned("a\tb\u{7f}c\u{85}d").as_deref(), Some("a b c d"));
    }

    #[test]
    fn text_reordering_characters_become_spaces() {
        assert_eq!(
            cleaned("Phone\u{202E}kcatta\u{2066}x\u{200B}y\u{FEFF}").as_deref(),
            Some("Phone kcatta x y")
        );
    }

    #[test]
    fn the_limit_is_256_characters() {
        let at_limit = "é".repeat(MAX_USER_AGENT_CHARS);
        assert_eq!(cleaned(&at_limit).as_deref(), Some(at_limit.as_str()));
        let over = format!("{at_limit}x");
        assert_eq!(
            cleaned(&over).map(|s| s.chars().count()),
            Some(MAX_USER_AGENT_CHARS)
        );
        assert_eq!(cleaned(&over).as_deref(), Some(at_limit.as_str()));
    }

    #[test]
    fn leading_blanks_do_not_count_against_the_limit() {
        let padded = format!("   {}", "a".repeat(MAX_USER_AGENT_CHARS));
        assert_eq!(cleaned(&padded), Some("a".repeat(MAX_USER_AGENT_CHARS)));
    }
}
