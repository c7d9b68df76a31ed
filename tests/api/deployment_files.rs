//! The shipped deployment files say what the binary does: every setting the
//! example environment file shows commented out is the built-in default, so
//! uncommenting it changes nothing.

use std::path::Path;
use std::process::Command;

/// `accounts check-config` with no other variable than `extra`.
fn effective_settings(extra: Option<(&str, &str)>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accounts"));
    command
        .arg("check-config")
        .env_clear()
        .current_dir(std::env::temp_dir());
    if let Some((name, value)) = extra {
        command.env(name, value);
    }
    let output = command.output().expect("run accounts check-config");
    assert!(
        output.status.success(),
        "check-config with {extra:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `(name, value)` of every `#ACCOUNTS_...=value` line, except placeholders
/// such as `<postmark server token>`, which stand for a value to choose.
fn commented_settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.strip_prefix('#')?.split_once('='))
        .filter(|(name, value)| name.starts_with("ACCOUNTS_") && !value.contains('<'))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn every_commented_setting_of_the_example_environment_file_is_the_built_in_default() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/accounts.env.example");
    let text = std::fs::read_to_string(&path).expect("read the example environment file");
    let settings = commented_settings(&text);
    assert!(settings.len() > 20, "found only {settings:?}");

    let defaults = effective_settings(None);
    for (name, value) in settings {
        assert_eq!(
            effective_settings(Some((&name, &value))),
            defaults,
            "{name}={value} in {} is not the default",
            path.display()
        );
    }
}
