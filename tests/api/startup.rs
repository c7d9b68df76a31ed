//! Start-up refuses settings it cannot serve from, with one line naming the
//! variable, before it listens.

use crate::helpers::TestApp;

#[test]
fn start_up_is_refused_with_one_line_naming_accounts_db_when_it_is_empty() {
    for value in ["", "   "] {
        let failed = TestApp::builder()
            .env("ACCOUNTS_DB", value)
            .spawn_expecting_failure();

        let case = format!("ACCOUNTS_DB={value:?}");
        assert!(!failed.status.success(), "{case}: {:?}", failed.status);
        let naming: Vec<&str> = failed
            .output
            .lines()
            .filter(|l| l.contains("ACCOUNTS_DB"))
            .collect();
        assert_eq!(naming.len(), 1, "{case}: one line:\n{}", failed.output);
        assert!(
            !failed.output.contains("listening on"),
            "{case}: the server started:\n{}",
            failed.output
        );
    }
}
