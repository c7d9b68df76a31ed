//! A declared setting: how its variable is read into [`Config`], how
//! `check-config` shows it, and how the README documents its default. The
//! declarations themselves are the table in `table/` (one file per group,
//! listed in order in `table/mod.rs`).

use super::{Config, Problem};

/// One `ACCOUNTS_*` variable.
pub struct Setting {
    /// The environment variable, `ACCOUNTS_...`.
    pub name: &'static str,
    /// What the setting is when its variable is not set.
    pub default: Fallback,
    /// One line for the README's table, Markdown allowed.
    pub help: &'static str,
    /// Reads a value into its field of the configuration.
    pub parse: Parse,
    /// How `check-config` shows the effective value.
    pub show: Show,
}

/// What a setting is when its variable is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// This text, read as if the operator had written it (empty shows as
    /// "empty" in the README).
    Text(&'static str),
    /// Worked out from the settings above it: the parser is given an empty
    /// value. The words say how, for the README.
    Computed(&'static str),
    /// The parser is not called and the field keeps its `None`.
    Unset,
}

/// Reads a value into the configuration; `Err` names what is wrong with it.
pub type ParseFn = fn(&mut Config, &str) -> Result<(), Problem>;

/// Whether surrounding white space is part of the value.
#[derive(Clone, Copy)]
pub enum Parse {
    /// Trimmed first, as nearly every setting is.
    Trimmed(ParseFn),
    /// Used byte for byte (a signing key shared with another deployment).
    Verbatim(ParseFn),
}

/// How `check-config` shows the effective value.
#[derive(Clone, Copy)]
pub enum Show {
    /// The value, formatted.
    Value(fn(&Config) -> String),
    /// A secret: `[redacted]` when set, else the words. Its value is never
    /// formatted, so it cannot reach the output.
    Secret {
        is_set: fn(&Config) -> bool,
        otherwise: &'static str,
    },
}

/// What `check-config` prints instead of a secret.
pub const REDACTED: &str = "[redacted]";

impl Setting {
    /// Reads the variable's value, or its default when `raw` is `None`.
    pub fn read(&self, config: &mut Config, raw: Option<&str>) -> Result<(), Problem> {
        let text = match (raw, self.default) {
            (Some(raw), _) => raw,
            (None, Fallback::Text(text)) => text,
            (None, Fallback::Computed(_)) => "",
            (None, Fallback::Unset) => return Ok(()),
        };
        match self.parse {
            Parse::Trimmed(parse) => parse(config, text.trim()),
            Parse::Verbatim(parse) => parse(config, text),
        }
    }

    /// The effective value as `check-config` prints it.
    pub fn shown(&self, config: &Config) -> String {
        match self.show {
            Show::Value(show) => show(config),
            Show::Secret { is_set, .. } if is_set(config) => REDACTED.to_string(),
            Show::Secret { otherwise, .. } => otherwise.to_string(),
        }
    }

    /// Whether the value must never be shown (a key, a token).
    pub fn is_secret(&self) -> bool {
        matches!(self.show, Show::Secret { .. })
    }

    /// The default as the README's table writes it.
    pub fn documented_default(&self) -> String {
        match self.default {
            Fallback::Text("") => "empty".to_string(),
            Fallback::Text(text) => format!("`{text}`"),
            Fallback::Computed(words) => words.to_string(),
            Fallback::Unset => "unset".to_string(),
        }
    }
}
