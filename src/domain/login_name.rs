//! What a person types to log in: their address or their username.

use super::password::BLANK_MESSAGE;

/// A login value as typed. It is looked up as an address first, then as a
/// username, so no format is imposed beyond not being blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginName(String);

impl LoginName {
    pub fn parse(raw: &str) -> Result<LoginName, &'static str> {
        if raw.trim().is_empty() {
            Err(BLANK_MESSAGE)
        } else {
            Ok(LoginName(raw.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_refused_and_the_rest_kept_as_typed() {
        assert_eq!(LoginName::parse(" \t"), Err(BLANK_MESSAGE));
        assert_eq!(LoginName::parse(" Alice ").unwrap().as_str(), " Alice ");
    }
}
