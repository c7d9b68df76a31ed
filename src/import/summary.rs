//! What an import did, counted as it goes, and the one line that reports it:
//!
//! ```text
//! imported 7, already present 0, skipped 1; hashes: pbkdf2_sha256 3, argon2 1, unusable 1; revoked tokens 1
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use super::ImportError;
use crate::domain::django_hash::HashFormat;

/// The counts of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub dry_run: bool,
    pub imported: u64,
    pub already_present: u64,
    pub skipped: u64,
    /// Imported users by the format of their password hash.
    pub formats: BTreeMap<HashFormat, u64>,
    /// Blacklisted tokens now refused.
    pub revoked_tokens: u64,
}

impl Summary {
    pub fn new(dry_run: bool) -> Summary {
        Summary {
            dry_run,
            ..Summary::default()
        }
    }

    pub fn count_imported(&mut self, format: HashFormat) {
        self.imported += 1;
        *self.formats.entry(format).or_default() += 1;
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            f.write_str("dry run, nothing written: would import ")?;
        } else {
            f.write_str("imported ")?;
        }
        write!(
            f,
            "{}, already present {}, skipped {}; hashes: ",
            self.imported, self.already_present, self.skipped
        )?;
        if self.formats.is_empty() {
            f.write_str("none")?;
        }
        for (i, (format, count)) in self.formats.iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}{} {count}", format.name())?;
        }
        write!(f, "; revoked tokens {}", self.revoked_tokens)
    }
}

/// Writes one line of the import's report.
pub fn say(out: &mut dyn Write, line: &str) -> Result<(), ImportError> {
    writeln!(out, "{line}").map_err(|e| ImportError::Output {
        name: "standard output".into(),
        problem: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_one_line_with_every_count() {
        let mut summary = Summary::new(false);
        summary.count_imported(HashFormat::Argon2);
        summary.count_imported(HashFormat::Pbkdf2Sha256);
        summary.count_imported(HashFormat::Pbkdf2Sha256);
        summary.already_present = 3;
        summary.skipped = 1;
        summary.revoked_tokens = 2;
        assert_eq!(
            summary.to_string(),
            "imported 3, already present 3, skipped 1; hashes: pbkdf2_sha256 2, argon2 1; revoked tokens 2"
        );
    }

    #[test]
    fn a_dry_run_says_nothing_was_written() {
        let summary = Summary::new(true);
        assert_eq!(
            summary.to_string(),
            "dry run, nothing written: would import 0, already present 0, skipped 0; hashes: none; revoked tokens 0"
        );
    }
}
